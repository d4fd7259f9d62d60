"""Agents' questions: one JSON answer, or a stream of Server-Sent Events."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, HTTPException
from sse_starlette import EventSourceResponse
from sse_starlette.event import JSONServerSentEvent

from assistant.api.deps import AgentDep, QuestionQuota, ServicesDep
from assistant.api.errors import error_responses
from assistant.api.schemas import AskRequest
from assistant.chat import Turn

log = logging.getLogger("assistant.api")

router = APIRouter(prefix="/api/ask", tags=["Questions des agents"])

_ERRORS = (
    400,
    (401, "Code d'accès du webinaire manquant ou incorrect."),
    413,
    (422, "Question invalide (vide, trop longue, historique trop long…)."),
    (
        429,
        "Trop de questions en peu de temps, ou trop de codes d'accès erronés (voir Retry-After).",
    ),
)


def _engine_kwargs(body: AskRequest, channel: str) -> dict[str, Any]:
    return {
        "history": [Turn(turn.role, turn.content) for turn in body.history],
        "conversation_id": body.conversation_id,
        "theme": body.theme,
        "job": body.job,
        "channel": channel,
    }


@router.post(
    "",
    summary="Poser une question",
    responses=error_responses(*_ERRORS),
)
async def ask(body: AskRequest, services: ServicesDep, caller: AgentDep, _: QuestionQuota) -> dict:
    """Répond à une question à partir du corpus, avec ses sources.

    La question (et l'historique) est anonymisée avant tout envoi au modèle ; la réponse
    renvoyée à l'agent qui a posé la question contient les données personnelles rétablies.
    Champs utiles : `answer`, `citations` (chaque source a une adresse `url` vers son passage),
    `coverage` (`answered` : le corpus répond ; `partial` : il ne répond peut-être pas
    exactement, voici les passages les plus proches ; `refused` : il ne couvre pas la question),
    `refused` (vrai seulement pour `refused`), `findings` (données masquées : type et
    marque, jamais la valeur), `backend` (moteur ayant répondu), `conversation_id`.
    """
    from guardrails.pii import PiiInputError

    try:
        record = await services.answers.answer(body.question, **_engine_kwargs(body, "api"))
    except PiiInputError as error:
        raise HTTPException(422, str(error)) from None
    return record.to_public()


def _event(event: Any) -> JSONServerSentEvent:
    if event.type == "token":
        return JSONServerSentEvent({"text": event.data}, event="token")
    if event.type == "final":
        return JSONServerSentEvent(event.data.to_public(), event="final")
    return JSONServerSentEvent(event.data, event=event.type)


@router.post(
    "/stream",
    summary="Poser une question (réponse en flux)",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "Flux d'événements : `queue` (position d'attente), `token` (morceau "
            "de réponse), `sources` (sources citées), `final` (réponse complète).",
            "content": {"text/event-stream": {}},
        },
        **error_responses(*_ERRORS, streamed=True),
    },
)
async def ask_stream(
    body: AskRequest, services: ServicesDep, caller: AgentDep, _: QuestionQuota
) -> EventSourceResponse:
    """Répond à une question en flux (Server-Sent Events), jeton par jeton.

    Événements, dans l'ordre : `queue` (`{"position": n}`, seulement si le modèle est occupé),
    `token` (`{"text": "…"}`, autant que nécessaire), `sources` (liste des sources citées),
    puis `final` (la réponse complète, comme `POST /api/ask`). En cas d'incident pendant le
    flux, un événement `error` (`{"detail": "…"}`) le termine.
    """
    from guardrails.pii import PiiInputError

    events = services.answers.events(body.question, **_engine_kwargs(body, "api-flux"))
    try:
        first = await anext(events)
    except PiiInputError as error:
        await events.aclose()
        raise HTTPException(422, str(error)) from None

    async def publish() -> AsyncIterator[JSONServerSentEvent]:
        try:
            yield _event(first)
            async for event in events:
                yield _event(event)
        except Exception as error:
            log.error("stream failed", exc_info=(type(error), error, error.__traceback__))
            yield JSONServerSentEvent(
                {
                    "detail": "La réponse a été interrompue par une erreur interne ; reposez la "
                    "question dans un instant."
                },
                event="error",
            )
        finally:
            await events.aclose()

    return EventSourceResponse(publish(), ping=15)
