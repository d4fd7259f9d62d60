"""The committee's bilan as a file (ODT, DOCX, PDF, or Markdown in a zip), for trainers."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.api.deps import ContainerDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS
from assistant.services.bilan import BilanService

router = APIRouter(prefix="/api/bilan", tags=["Espace formateur : suivi"], responses=TRAINER_ERRORS)

_MEDIA = {
    "application/vnd.oasis.opendocument.text": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
        "schema": {"type": "string", "format": "binary"}
    },
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "application/zip": {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "",
    summary="Bilan pour le Comité syndical",
    response_class=Response,
    responses={200: {"content": _MEDIA, "description": "Le fichier du bilan."}},
)
async def bilan(
    container: ContainerDep,
    trainer: TrainerDep,
    start: Annotated[
        str | None,
        Query(alias="from", description="Premier jour de la période (AAAA-MM-JJ, inclus)."),
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", description="Dernier jour de la période (AAAA-MM-JJ, inclus)."),
    ] = None,
    fmt: Annotated[
        Literal["odt", "docx", "pdf", "md"],
        Query(alias="format", description="odt, docx, pdf, ou md (Markdown et figures en zip)."),
    ] = "pdf",
) -> Response:
    """Bilan de la phase d'expérimentation pour le Comité syndical, sur la période choisie
    (90 derniers jours par défaut) : synthèse, usage, cas d'usage prioritaires, sujets non
    couverts, qualité, protection des données, numérique responsable et propositions. Ne
    contient que des chiffres et des questions anonymisées."""
    # A few seconds of CPU (charts, layout): on its own thread, not the log writers' pool.
    built = await asyncio.to_thread(BilanService(container).build, start, end, fmt)
    return Response(
        content=built.content,
        media_type=built.media_type,
        headers={"Content-Disposition": f'attachment; filename="{built.filename}"'},
    )
