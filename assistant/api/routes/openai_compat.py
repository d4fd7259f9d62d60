"""OpenAI-compatible endpoint: the grounded, scrubbed assistant as a model for any OpenAI client
(Open WebUI, LibreChat, scripts using the ``openai`` package).

The last user message is the question, earlier user/assistant messages the history; system
messages are ignored (the assistant keeps its own instructions). The answer text ends with its
sources ("Sources : [1] Titre — Section"), also given as a ``sources`` field.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse

from assistant.api.deps import AgentDep, QuestionQuota, ServicesDep
from assistant.api.errors import error_responses
from assistant.api.schemas import HISTORY_MAX_TURNS, TURN_MAX_CHARS, ThemeName
from assistant.chat import Turn
from assistant.services.jobs import normalise_job
from assistant.services.limits import MAX_QUESTION_CHARS, question_too_long

log = logging.getLogger("assistant.api")

MODEL_ID = "assistant-charte"
OWNER = "territoires-numeriques"

router = APIRouter(
    prefix="/v1",
    tags=["Compatible OpenAI"],
    responses=error_responses(
        (
            401,
            "Code d'accès du webinaire manquant ou incorrect (en-tête X-Code-Acces, ou "
            "Authorization: Bearer <code>).",
        ),
        422,
        (
            429,
            "Trop de questions en peu de temps, ou trop de codes d'accès erronés (voir "
            "Retry-After).",
        ),
    ),
)


class ChatMessage(BaseModel):
    """One message, as OpenAI clients send it (text, or a list of parts).

    Roles are those a conversation with this assistant can hold: it calls no tools, so a
    ``tool`` message (the result of a tool call it never made) is refused by the schema, not
    after it.
    """

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant"] = Field(
        description="user : l'agent (le dernier message user est la question) ; assistant : "
        "les réponses précédentes ; system et developer : acceptés, mais ignorés (l'assistant "
        "garde ses propres consignes)."
    )
    content: str | list[dict[str, Any]] | None = Field(
        None,
        description="Texte, ou liste de parties (seules les parties `text` sont lues). La "
        f"question fait au plus {MAX_QUESTION_CHARS} caractères ; des messages précédents, "
        f"seuls les {HISTORY_MAX_TURNS} derniers sont gardés, coupés à {TURN_MAX_CHARS} "
        "caractères.",
    )


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; sampling parameters are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        description=f"Toujours « {MODEL_ID} » (tout autre nom : 404, comme chez OpenAI).",
        examples=[MODEL_ID],
        json_schema_extra={"enum": [MODEL_ID]},
    )
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = Field(False, description="Réponse en flux (Server-Sent Events).")
    conversation_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{8,64}$", description="Extension : conversation."
    )
    theme: ThemeName | None = Field(None, description="Extension : limiter à un thème.")
    job: str | None = Field(None, max_length=80, description="Extension : métier de l'agent.")


def _text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    return "\n".join(
        str(part.get("text", "")) for part in parts if part.get("type") in ("text", "input_text")
    )


def _split(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last_user is None:
        raise HTTPException(
            422, "Aucune question : la conversation doit contenir un message de rôle « user »."
        )
    question = _text(messages[last_user]).strip()
    if not question:
        raise HTTPException(422, "La question est vide.")
    too_long = question_too_long(question)
    if too_long:
        raise HTTPException(422, too_long)
    history = [
        Turn(m.role, _text(m)[:TURN_MAX_CHARS])
        for m in messages[:last_user]
        if m.role in ("user", "assistant") and _text(m).strip()
    ]
    return question, history[-HISTORY_MAX_TURNS:]


def format_sources(citations: list[dict[str, Any]]) -> str:
    """« Sources : [1] Titre — Section ; [2] … » (empty when nothing is cited)."""
    items = []
    for c in citations:
        where = c.get("section") or c.get("section_path") or ""
        page = f", page {c['page']}" if c.get("page") else ""
        label = f"{c['title']} — {where}" if where and where != c["title"] else c["title"]
        items.append(f"[{c['n']}] {label}{page}")
    return "Sources : " + " ; ".join(items) if items else ""


def _extension(record: Any) -> dict[str, Any]:
    return {
        "question_id": record.question_id,
        "conversation_id": record.conversation_id,
        "refused": record.refused,
        "coverage": record.coverage,
        "backend": record.backend,
        "finding_types": sorted({f["type"] for f in record.findings}),
        "findings": record.findings,
    }


def _usage(record: Any) -> dict[str, int]:
    return {
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.answer_tokens,
        "total_tokens": record.prompt_tokens + record.answer_tokens,
    }


def _check_model(model: str) -> None:
    if model != MODEL_ID:
        raise HTTPException(
            404, f"Modèle inconnu « {model[:80]} » : le seul modèle servi est « {MODEL_ID} »."
        )


@router.get("/models", summary="Modèles disponibles (compatible OpenAI)")
async def list_models(caller: AgentDep) -> dict:
    """Liste des modèles, au format OpenAI : un seul, l'assistant de la charte (réponses
    fondées sur le corpus, données personnelles masquées avant tout envoi au modèle)."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": OWNER}],
    }


@router.post(
    "/chat/completions",
    summary="Poser une question (compatible OpenAI)",
    responses={
        200: {
            "description": "La réponse (JSON), ou son flux (`stream: true`, Server-Sent "
            "Events au format OpenAI, terminé par `data: [DONE]`).",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/event-stream": {},
            },
        },
        **error_responses(
            400,
            (404, "Modèle inconnu : le seul modèle servi est « assistant-charte »."),
            413,
            (
                422,
                "Requête invalide, conversation sans message user, question vide ou trop longue.",
            ),
        ),
    },
)
async def chat_completions(
    body: ChatCompletionRequest, services: ServicesDep, caller: AgentDep, _: QuestionQuota
) -> Any:
    """Point d'accès `chat/completions` au format OpenAI, en flux (`stream: true`) ou non.

    Le dernier message `user` est la question ; les messages `user`/`assistant` précédents
    forment l'historique ; les messages `system` sont ignorés. La réponse se termine par ses
    sources (« Sources : [1] Titre — Section »), données aussi dans le champ `sources` (et
    dans le dernier morceau du flux). Le champ `assistant` donne l'identifiant de la réponse
    (pour `POST /api/feedback`), le refus éventuel, le moteur et les types de données masquées.
    """
    from guardrails.pii import PiiInputError

    _check_model(body.model)
    question, history = _split(body.messages)
    kwargs = {
        "history": history,
        "conversation_id": body.conversation_id,
        "theme": body.theme,
        "job": normalise_job(body.job),
    }
    created = int(time.time())
    if not body.stream:
        try:
            record = await services.answers.answer(question, channel="openai", **kwargs)
        except PiiInputError as error:
            raise HTTPException(422, str(error)) from None
        sources = format_sources(record.citations)
        content = record.answer + (f"\n\n{sources}" if sources else "")
        return {
            "id": f"chatcmpl-{record.question_id}",
            "object": "chat.completion",
            "created": created,
            "model": MODEL_ID,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": _usage(record),
            "sources": record.citations,
            "assistant": _extension(record),
        }

    events = services.answers.events(question, channel="openai-flux", **kwargs)
    try:
        first = await anext(events)
    except PiiInputError as error:
        await events.aclose()
        raise HTTPException(422, str(error)) from None
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, str]:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return {"data": json.dumps(payload, ensure_ascii=False)}

    async def publish() -> AsyncIterator[dict[str, str]]:
        try:
            yield chunk({"role": "assistant", "content": ""})
            async for event in _chain(first, events):
                if event.type == "token":
                    yield chunk({"content": event.data})
                elif event.type == "final":
                    record = event.data
                    sources = format_sources(record.citations)
                    if sources:
                        yield chunk({"content": f"\n\n{sources}"})
                    yield chunk(
                        {},
                        "stop",
                        sources=record.citations,
                        assistant=_extension(record),
                        usage=_usage(record),
                    )
        except Exception as error:
            log.error("stream failed", exc_info=(type(error), error, error.__traceback__))
            payload = {
                "error": {
                    "message": "La réponse a été interrompue par une erreur interne ; "
                    "reposez la question dans un instant.",
                    "type": "server_error",
                }
            }
            yield {"data": json.dumps(payload, ensure_ascii=False)}
        finally:
            await events.aclose()
        yield {"data": "[DONE]"}

    # The same server-sent events as /api/ask/stream (sse-starlette), in OpenAI's framing.
    return EventSourceResponse(publish(), ping=15, sep="\n")


async def _chain(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    yield first
    async for item in rest:
        yield item
