"""« Vérifier mon texte » : show an agent what personal data a text contains, masked."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException
from pydantic import Field

from assistant.api.deps import AgentDep, StateDep
from assistant.api.errors import AGENT_BODY_ERRORS
from assistant.api.schemas import ApiModel, thousands

router = APIRouter(prefix="/api/check", tags=["Questions des agents"])

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


class CheckRequest(ApiModel):
    """A text to check before pasting it anywhere."""

    text: str = Field(min_length=1, max_length=MAX_CHECK_CHARS, description="Le texte à vérifier.")


@router.post(
    "",
    summary="Vérifier mon texte",
    responses=AGENT_BODY_ERRORS,
)
async def check_text(body: CheckRequest, state: StateDep, caller: AgentDep) -> dict:
    """Repère et masque les données personnelles d'un texte (noms, téléphones, NIR, IBAN…).

    Renvoie le texte masqué et, pour chaque donnée trouvée, son type, sa position et la marque
    qui la remplace (jamais la valeur). Le texte n'est ni conservé ni journalisé.
    """
    from guardrails.pii import PiiInputError

    try:
        result = await asyncio.to_thread(state.container.question_scrubber.scrub, body.text)
    except PiiInputError as error:
        raise HTTPException(422, str(error)) from None
    for finding in result.findings:
        state.metrics.pii_findings.labels(finding.type, "verification").inc()
    counts = result.counts
    if counts:
        summary = ", ".join(f"{kind} : {n}" for kind, n in sorted(counts.items()))
        message = f"{len(result.findings)} donnée(s) personnelle(s) masquée(s) — {summary}."
    else:
        message = "Aucune donnée personnelle repérée. Restez vigilant : l'outil peut en manquer."
    return {
        "text": result.text,
        "findings": [f.to_dict() for f in result.findings],
        "counts": counts,
        "detail": message,
    }
