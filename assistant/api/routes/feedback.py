"""Agents' feedback on an answer (👍/👎 and an optional reason, scrubbed before storage)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field

from assistant.api.deps import AgentDep, ServicesDep
from assistant.api.errors import AGENT_BODY_ERRORS
from assistant.api.schemas import ApiModel
from assistant.services.feedback import MAX_REASON_CHARS

router = APIRouter(prefix="/api/feedback", tags=["Questions des agents"])


class FeedbackRequest(ApiModel):
    """A vote on one answer."""

    question_id: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="Identifiant de la réponse (`question_id`)."
    )
    vote: Literal["up", "down"] = Field(description="up (utile) ou down (pas utile).")
    reason: str = Field(
        "",
        max_length=MAX_REASON_CHARS,
        description="Raison, facultative ; les données personnelles en sont masquées avant "
        "enregistrement.",
    )
    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="Conversation de la réponse : les pseudonymes de la raison restent cohérents.",
    )


@router.post(
    "",
    summary="Donner son avis sur une réponse",
    responses=AGENT_BODY_ERRORS,
)
async def give_feedback(body: FeedbackRequest, services: ServicesDep, caller: AgentDep) -> dict:
    """Enregistre l'avis d'un agent sur une réponse (utile ou non, avec une raison facultative).

    La raison est anonymisée comme une question avant d'être enregistrée : seule la version
    masquée est conservée, pendant la durée de conservation du journal.
    """
    return await services.feedback.give(
        question_id=body.question_id,
        vote=body.vote,
        reason=body.reason,
        conversation_id=body.conversation_id,
    )
