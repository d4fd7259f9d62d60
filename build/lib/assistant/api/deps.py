"""FastAPI dependencies, as ``Annotated`` aliases: the app's parts, the caller, the quotas."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from assistant.api.auth import Caller
from assistant.api.ratelimit import retry_after_header
from assistant.api.state import ApiState

ACCESS_CODE_HEADER = "X-Code-Acces"


def get_state(request: Request) -> ApiState:
    return request.app.state.api


StateDep = Annotated[ApiState, Depends(get_state)]


def get_container(state: StateDep) -> Any:
    return state.container


ContainerDep = Annotated[Any, Depends(get_container)]


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


def _refuse_if_locked_out(state: ApiState, ip: str) -> None:
    if state.auth_failures.count(ip) >= state.auth_failures.limit:
        state.metrics.rate_limited.labels("authentification").inc()
        raise HTTPException(
            429,
            "Trop de tentatives d'authentification échouées : réessayez dans une minute.",
            headers={"Retry-After": "60"},
        )


async def require_agent(
    state: StateDep,
    ip: ClientIpDep,
    authorization: AuthorizationHeader = None,
    access_code: AccessCodeHeader = None,
) -> Caller:
    """Agents need no account; when a webinar access code is set, it is required."""
    authenticator = state.authenticator
    if not authenticator.access_code_required:
        return Caller("agent")
    _refuse_if_locked_out(state, ip)
    caller = await authenticator.identify(authorization, access_code)
    if caller.role in ("agent", "trainer"):
        return caller
    if caller.role == "invalid":
        state.auth_failures.hit(ip)
    raise HTTPException(
        401,
        "Code d'accès manquant ou incorrect : saisissez le code communiqué pour le webinaire.",
        headers={"WWW-Authenticate": 'Bearer realm="assistant"'},
    )


async def require_trainer(
    state: StateDep,
    ip: ClientIpDep,
    authorization: AuthorizationHeader = None,
    access_code: AccessCodeHeader = None,
) -> Caller:
    """Trainers: HTTP Basic (name and password) or a trainer's bearer token."""
    _refuse_if_locked_out(state, ip)
    caller = await state.authenticator.identify(authorization, access_code)
    if caller.is_trainer:
        return caller
    if caller.role == "agent":
        raise HTTPException(403, "Accès refusé : cet espace est réservé aux formateurs.")
    if caller.role == "invalid":
        state.auth_failures.hit(ip)
    raise HTTPException(
        401,
        "Authentification requise : cet espace est réservé aux formateurs "
        "(identifiant et mot de passe, ou jeton d'API).",
        headers={"WWW-Authenticate": 'Basic realm="Espace formateur", charset="UTF-8"'},
    )


AgentDep = Annotated[Caller, Depends(require_agent)]
TrainerDep = Annotated[Caller, Depends(require_trainer)]


def count_question(state: StateDep, ip: ClientIpDep, caller: AgentDep) -> None:
    """Sliding-window quota of questions per client address (per app replica)."""
    wait = state.question_limiter.hit(ip)
    if wait:
        state.metrics.rate_limited.labels("questions").inc()
        seconds = retry_after_header(wait)
        raise HTTPException(
            429,
            f"Trop de questions en peu de temps : réessayez dans {seconds} seconde"
            f"{'s' if int(seconds) > 1 else ''}.",
            headers={"Retry-After": seconds},
        )


QuestionQuota = Annotated[None, Depends(count_question)]
