"""« Vérifier mon texte » : show an agent what personal data a text contains, masked."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from assistant.api.deps import AgentDep, ServicesDep
from assistant.api.errors import AGENT_BODY_ERRORS
from assistant.api.schemas import ApiModel
from assistant.services.check import MAX_CHECK_CHARS

router = APIRouter(prefix="/api/check", tags=["Questions des agents"])


class CheckRequest(ApiModel):
    """A text to check before pasting it anywhere."""

    text: str = Field(min_length=1, max_length=MAX_CHECK_CHARS, description="Le texte à vérifier.")


@router.post(
    "",
    summary="Vérifier mon texte",
    responses=AGENT_BODY_ERRORS,
)
async def check_text(body: CheckRequest, services: ServicesDep, caller: AgentDep) -> dict:
    """Repère et masque les données personnelles d'un texte (noms, téléphones, NIR, IBAN…).

    Renvoie le texte masqué et, pour chaque donnée trouvée, son type, sa position et la marque
    qui la remplace (jamais la valeur). Le texte n'est ni conservé ni journalisé.
    """
    return await services.text_check.check(body.text)
