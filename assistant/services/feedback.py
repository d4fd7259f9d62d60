"""Agents' votes on answers (👍/👎) and their reasons, scrubbed before they are stored."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from assistant.services.errors import Invalid

if TYPE_CHECKING:
    from assistant.services.state import Services

MAX_REASON_CHARS = 2000
_QUESTION_ID = re.compile(r"[0-9a-f]{32}")
_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
THANKS = "Merci pour votre avis : il aide les formateurs à améliorer le corpus."


class FeedbackService:
    """Store a vote on one answer, with its reason masked like a question."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def give(
        self,
        *,
        question_id: str,
        vote: str,
        reason: str = "",
        conversation_id: str | None = None,
    ) -> dict[str, Any]:
        """Scrub ``reason`` (with the conversation's pseudonyms when given) and store the vote.

        Only the masked reason is kept, for the records' retention period. Invalid for an
        unknown vote, a malformed id or a reason too long or that cannot be scrubbed.
        """
        from guardrails.pii import PiiInputError

        if vote not in ("up", "down"):
            raise Invalid("Saisie invalide — « vote » : up (utile) ou down (pas utile).")
        if not _QUESTION_ID.fullmatch(question_id or ""):
            raise Invalid("Saisie invalide — « question_id » : format non reconnu.")
        if conversation_id is not None and not _CONVERSATION_ID.fullmatch(conversation_id):
            conversation_id = None  # an unknown conversation only loses pseudonym consistency
        if len(reason) > MAX_REASON_CHARS:
            raise Invalid(
                f"Saisie invalide — « reason » : texte trop long (au plus {MAX_REASON_CHARS})."
            )
        container = self.services.container
        masked, finding_types = "", []
        if reason.strip():
            try:
                if conversation_id:
                    vault = container.vaults.get(conversation_id)
                    results = await asyncio.to_thread(
                        container.question_scrubber.scrub_many, [reason], vault
                    )
                    result = results[0]
                else:
                    result = await asyncio.to_thread(container.question_scrubber.scrub, reason)
            except PiiInputError as error:
                raise Invalid(str(error)) from None
            masked = result.text
            finding_types = sorted({f.type for f in result.findings})
            for finding in result.findings:
                self.services.metrics.pii_findings.labels(finding.type, "avis").inc()
        await self.services.run_io(
            self.services.question_log.record_feedback,
            question_id=question_id,
            vote=vote,
            reason=masked,
            reason_findings=finding_types,
        )
        self.services.metrics.feedback.labels(vote).inc()
        return {"detail": THANKS, "stored": True, "reason_masked": finding_types}
