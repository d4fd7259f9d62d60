"""FastAPI dependencies, as ``Annotated`` aliases: the app's parts, the caller, the quotas."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request

from assistant.container import Container
from assistant.services.access import Caller
from assistant.services.retours import DAY_PATTERN
from assistant.services.state import Services

ACCESS_CODE_HEADER = "X-Code-Acces"


def get_services(request: Request) -> Services:
    return request.app.state.api


ServicesDep = Annotated[Services, Depends(get_services)]


def get_container(services: ServicesDep) -> Container:
    return services.container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_client_ip(request: Request) -> str:
    """The client's address (set from X-Forwarded-For by uvicorn for trusted proxies only)."""
    return request.client.host if request.client else "inconnu"


ClientIpDep = Annotated[str, Depends(get_client_ip)]

AuthorizationHeader = Annotated[str | None, Header(alias="Authorization", include_in_schema=False)]
AccessCodeHeader = Annotated[
    str | None,
    Header(
        alias=ACCESS_CODE_HEADER,
        description="Code d'accès du webinaire, s'il est exigé (ou `Authorization: Bearer`).",
    ),
]


async def require_agent(
    services: ServicesDep,
    ip: ClientIpDep,
    authorization: AuthorizationHeader = None,
    access_code: AccessCodeHeader = None,
) -> Caller:
    """Agents need no account; when a webinar access code is set, it is required."""
    if not services.policy.access_code_required:
        return Caller("agent")
    caller = await services.policy.identify(authorization, access_code, client=ip)
    if caller.role in ("agent", "trainer"):
        return caller
    raise HTTPException(
        401,
        "Code d'accès manquant ou incorrect : saisissez le code communiqué pour le webinaire.",
        headers={"WWW-Authenticate": 'Bearer realm="assistant"'},
    )


async def require_trainer(
    services: ServicesDep,
    ip: ClientIpDep,
    authorization: AuthorizationHeader = None,
    access_code: AccessCodeHeader = None,
) -> Caller:
    """Trainers: HTTP Basic (name and password) or a trainer's bearer token."""
    caller = await services.policy.identify(authorization, access_code, client=ip)
    if caller.is_trainer:
        return caller
    if caller.role == "agent":
        raise HTTPException(403, "Accès refusé : cet espace est réservé aux formateurs.")
    raise HTTPException(
        401,
        "Authentification requise : cet espace est réservé aux formateurs "
        "(identifiant et mot de passe, ou jeton d'API).",
        headers={"WWW-Authenticate": 'Basic realm="Espace formateur", charset="UTF-8"'},
    )


AgentDep = Annotated[Caller, Depends(require_agent)]
TrainerDep = Annotated[Caller, Depends(require_trainer)]


def count_question(services: ServicesDep, ip: ClientIpDep, caller: AgentDep) -> None:
    """Sliding-window quota of questions per client address (per app replica): 429 with
    Retry-After when over it (``AccessPolicy.count_question``)."""
    services.policy.count_question(ip)


QuestionQuota = Annotated[None, Depends(count_question)]


#: A period's bounds as days (AAAA-MM-JJ, ``until`` included), for the trainers' lists and
#: rankings; read with ``assistant.services.retours.parse_day``.
SinceDayQuery = Annotated[
    str | None, Query(pattern=DAY_PATTERN, description="Depuis ce jour (AAAA-MM-JJ).")
]
UntilDayQuery = Annotated[
    str | None, Query(pattern=DAY_PATTERN, description="Jusqu'à ce jour inclus.")
]
