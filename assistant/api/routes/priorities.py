"""Trainers' ranking of the priority use cases (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.api.deps import ServicesDep, SinceDayQuery, TrainerDep, UntilDayQuery
from assistant.api.errors import error_responses
from assistant.services.priorities import compute_priorities, priorities_csv
from assistant.services.retours import parse_day
from assistant.storage import utc_now

router = APIRouter(prefix="/api/priorities", tags=["Espace formateur : suivi"])


@router.get(
    "",
    summary="Cas d'usage prioritaires",
    response_model=None,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 422, 429),
    },
)
async def priorities(
    services: ServicesDep,
    trainer: TrainerDep,
    since: SinceDayQuery = None,
    until: UntilDayQuery = None,
    format: Annotated[
        Literal["json", "csv"], Query(description="`json` (défaut) ou `csv` (tableur).")
    ] = "json",
) -> dict | Response:
    """Classement, par métier, des cas d'usage des fiches que les agents demandent et
    rapportent : demande (questions, sessions), valeur rapportée (retours d'expérience),
    risque (données personnelles, usages interdits), couverture par le corpus, et un score.
    La méthode est donnée en un paragraphe (`method`)."""
    start, end = parse_day(since, "since"), parse_day(until, "until")
    result = await services.run_io(compute_priorities, services.container, start, end)
    if format == "json":
        return result
    return Response(
        content=priorities_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="cas-usage-prioritaires-'
            f'{utc_now():%Y-%m-%d}.csv"'
        },
    )
