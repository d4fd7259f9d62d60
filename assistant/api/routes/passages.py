"""Cited passages: the target of every citation's ``url``."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import ServicesDep
from assistant.api.errors import error_responses

router = APIRouter(prefix="/api/passages", tags=["Sources"])


@router.get(
    "/{chunk_id}",
    summary="Lire un passage cité",
    responses=error_responses((404, "Passage inconnu ou retiré du corpus."), 422),
)
async def show_passage(chunk_id: str, services: ServicesDep) -> dict:
    """Texte d'un passage du corpus et de quoi le citer : document, titre, section, page,
    thème, version. Les adresses `url` des sources d'une réponse mènent ici. Seuls les
    passages des documents indexés sont lisibles (pas ceux en quarantaine ou retirés)."""
    return await services.passages.show(chunk_id)
