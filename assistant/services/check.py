"""« Vérifier mon texte » : show an agent what personal data a text holds, masked. Nothing is
stored or logged."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from assistant.services.errors import Invalid
from assistant.services.limits import thousands

if TYPE_CHECKING:
    from assistant.services.state import Services

#: Longest text checked at once, in characters (the API's and the page's limit).
MAX_CHECK_CHARS = 20000


def text_too_long(text: str) -> str | None:
    """The French refusal of a text over ``MAX_CHECK_CHARS``, or None."""
    if len(text) <= MAX_CHECK_CHARS:
        return None
    return (
        f"Le texte est trop long ({thousands(len(text))} caractères) : "
        f"{thousands(MAX_CHECK_CHARS)} caractères au plus. Vérifiez-le en plusieurs fois."
    )


class TextCheckService:
    """Find and mask the personal data of a text (names, phones, NIR, IBAN…)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def check(self, text: str) -> dict[str, Any]:
        """The masked text, each finding (type, place, mark; never the value), the counts and
        a French summary. Invalid when the text is empty, too long or cannot be read."""
        from guardrails.pii import PiiInputError

        if not text.strip():
            raise Invalid("Saisissez ou collez un texte à vérifier.")
        refusal = text_too_long(text)
        if refusal:
            raise Invalid(refusal)
        try:
            result = await asyncio.to_thread(self.services.container.question_scrubber.scrub, text)
        except PiiInputError as error:
            raise Invalid(str(error)) from None
        for finding in result.findings:
            self.services.metrics.pii_findings.labels(finding.type, "verification").inc()
        counts = result.counts
        if counts:
            summary = ", ".join(f"{kind} : {n}" for kind, n in sorted(counts.items()))
            message = f"{len(result.findings)} donnée(s) personnelle(s) masquée(s) — {summary}."
        else:
            message = (
                "Aucune donnée personnelle repérée. Restez vigilant : l'outil peut en manquer."
            )
        return {
            "text": result.text,
            "findings": [f.to_dict() for f in result.findings],
            "counts": counts,
            "detail": message,
        }
