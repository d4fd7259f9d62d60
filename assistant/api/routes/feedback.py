"""Agents' feedback on an answer (👍/👎 and an optional reason, scrubbed before storage)."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import Field

from assistant.api.deps import AgentDep, StateDep
from assistant.api.errors import AGENT_BODY_ERRORS
from assistant.api.schemas import ApiModel

router = APIRouter(prefix="/api/feedback", tags=["Questions des agents"])


class FeedbackRequest(ApiModel):
    """A vote on one answer."""

    question_id: str = Field(
        pattern=r"^[0-9a-f]{32}$", description="Identifiant de la réponse (`question_id`)."
    )
    vote: Literal["up", "down"] = Field(description="up (utile) ou down (pas utile).")
    reason: str = Field(
        "",
        max_length=2000,
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
async def give_feedback(body: FeedbackRequest, state: StateDep, caller: AgentDep) -> dict:
    """Enregistre l'avis d'un agent sur une réponse (utile ou non, avec une raison facultative).

    La raison est anonymisée comme une question avant d'être enregistrée : seule la version
    masquée est conservée, pendant la durée de conservation du journal.
    """
    from guardrails.pii import PiiInputError

    container = state.container
    reason, finding_types = "", []
    if body.reason:
        try:
            if body.conversation_id:
                vault = container.vaults.get(body.conversation_id)
                results = await asyncio.to_thread(
                    container.question_scrubber.scrub_many, [body.reason], vault
                )
                result = results[0]
            else:
                result = await asyncio.to_thread(container.question_scrubber.scrub, body.reason)
        except PiiInputError as error:
            raise HTTPException(422, str(error)) from None
        reason = result.text
        finding_types = sorted({f.type for f in result.findings})
        for finding in result.findings:
            state.metrics.pii_findings.labels(finding.type, "avis").inc()
    await state.run_io(
        state.question_log.record_feedback,
        question_id=body.question_id,
        vote=body.vote,
        reason=reason,
        reason_findings=finding_types,
    )
    state.metrics.feedback.labels(body.vote).inc()
    return {
        "detail": "Merci pour votre avis : il aide les formateurs à améliorer le corpus.",
        "stored": True,
        "reason_masked": finding_types,
    }
