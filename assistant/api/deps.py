"""FastAPI dependencies, as ``Annotated`` aliases: the app's parts, the caller, the quotas."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from assistant.api.auth import Caller, LockedOut
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


LOCKED_OUT = "Trop de tentatives d'authentification échouées : réessayez dans une minute."


async def _identify(
    state: ApiState, ip: str, authorization: str | None, access_code: str | None
) -> Caller:
    """The caller; 429 when what it presents is locked for its address (see ``auth.py``)."""
    try:
        return await state.authenticator.identify(authorization, access_code, client=ip)
    except LockedOut as locked:
        state.metrics.rate_limited.labels("authentification").inc()
        raise HTTPException(
            429, LOCKED_OUT, headers={"Retry-After": retry_after_header(locked.retry_after_s)}
        ) from None


async def require_agent(
    state: StateDep,
    ip: ClientIpDep,
    authorization: AuthorizationHeader = None,
    access_code: AccessCodeHeader = None,
) -> Caller:
    """Agents need no account; when a webinar access code is set, it is required."""
    if not state.authenticator.access_code_required:
        return Caller("agent")
    caller = await _identify(state, ip, authorization, access_code)
    if caller.role in ("agent", "trainer"):
        return caller
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
    caller = await _identify(state, ip, authorization, access_code)
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
