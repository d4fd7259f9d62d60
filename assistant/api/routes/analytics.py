"""Trainers' view of the questions: live webinar follow-up and the report export (CSV)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.api.deps import ServicesDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS

router = APIRouter(
    prefix="/api/analytics",
    tags=["Espace formateur : suivi"],
    responses=TRAINER_ERRORS,
)
SinceMinutes = Annotated[
    int | None,
    Query(
        ge=1,
        le=525_600,
        description="Seulement les questions des N dernières minutes (par exemple la durée "
        "du webinaire en cours) ; sinon tout le journal conservé.",
    ),
]


@router.get("/questions", summary="Suivre les questions")
async def question_analytics(
    services: ServicesDep,
    trainer: TrainerDep,
    since_minutes: SinceMinutes = None,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Nombre de questions récentes renvoyées.")
    ] = 50,
) -> dict:
    """Questions récentes (anonymisées) et leurs statistiques, pour suivre un webinaire en
    direct : nombre par thème et par métier, questions sans réponse du corpus (refus), avis
    des agents. Ne contient jamais de donnée personnelle : seule la question masquée est
    conservée."""
    return await services.analytics.questions(since_minutes=since_minutes, limit=limit)


@router.get(
    "/export.csv",
    summary="Exporter le rapport (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_csv(
    services: ServicesDep, trainer: TrainerDep, since_minutes: SinceMinutes = None
) -> Response:
    """Export CSV (séparateur `;`, UTF-8, lisible par un tableur) de toutes les questions
    anonymisées conservées, avec thème, métier, refus, sources, données masquées et avis :
    la matière du rapport de la phase d'expérimentation pour le comité du syndicat."""
    filename, content = await services.analytics.csv_export(since_minutes=since_minutes)
    return Response(
        content=content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
