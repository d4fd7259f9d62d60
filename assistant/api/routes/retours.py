"""Retours d'expérience: agents share a use of AI tried at work; trainers moderate them."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import Field

from assistant.api.deps import (
    AgentDep,
    QuestionQuota,
    ServicesDep,
    SinceDayQuery,
    TrainerDep,
    UntilDayQuery,
)
from assistant.api.errors import AGENT_BODY_ERRORS, TRAINER_ERRORS, error_responses
from assistant.api.schemas import ApiModel
from assistant.services.jobs import JOBS
from assistant.services.retours import (
    RESULTS,
    STATUSES,
    TASK_MAX_CHARS,
    TEXT_MAX_CHARS,
    TOOLS,
    RetoursService,
    parse_day,
)

router = APIRouter(prefix="/api/retours")
AGENTS = ["Questions des agents"]
TRAINERS = ["Espace formateur : suivi"]
RetourId = Annotated[int, Path(ge=1, le=2**62, description="Identifiant du retour.")]
MODERATION_ERRORS = {**TRAINER_ERRORS, **error_responses(404, 409)}


def _described(options: dict[str, str]) -> str:
    return ", ".join(f"`{key}` ({label})" for key, label in options.items())


class RetourRequest(ApiModel):
    """A use of AI an agent tried at work."""

    job: str = Field(max_length=80, description="Métier : " + _described(JOBS) + ".")
    task: str = Field(
        min_length=1, max_length=TASK_MAX_CHARS, description="La tâche concernée, en une phrase."
    )
    tool: str = Field(max_length=64, description="Outil utilisé : " + _described(TOOLS) + ".")
    description: str = Field(
        min_length=1,
        max_length=TEXT_MAX_CHARS,
        description="Ce que l'agent a fait ; les données personnelles en sont masquées avant "
        "enregistrement.",
    )
    result: str = Field(max_length=32, description="Résultat : " + _described(RESULTS) + ".")
    time_saved_minutes: int | None = Field(
        None, ge=0, le=2400, description="Temps gagné, en minutes par semaine (facultatif)."
    )
    risk: str = Field("", max_length=TEXT_MAX_CHARS, description="Risque rencontré (facultatif).")
    contact_consent: bool = Field(
        False,
        description="Le formateur peut-il en parler avec l'agent pendant un webinaire ? Aucune "
        "coordonnée n'est demandée ni conservée.",
    )


class MergeRequest(ApiModel):
    """The retour another one is merged into."""

    into: int = Field(ge=1, le=2**62, description="Identifiant du retour qui est conservé.")


@router.post("", summary="Partager un retour d'expérience", tags=AGENTS, status_code=201,
             responses=AGENT_BODY_ERRORS)  # fmt: skip
async def share_retour(
    body: RetourRequest, services: ServicesDep, caller: AgentDep, quota: QuestionQuota
) -> dict:
    """Enregistre l'usage de l'IA qu'un agent a essayé au travail (métier, tâche, outil, ce
    qu'il a fait, résultat, temps gagné, risque rencontré, accord pour en reparler).

    Chaque texte libre est anonymisé comme une question avant d'être enregistré : la réponse
    dit quelles données ont été masquées (`masked`) et montre le retour tel qu'il est conservé.
    """
    service = RetoursService(services.container)
    stored = await asyncio.to_thread(lambda: service.submit(**body.model_dump()))
    masked = stored.pop("masked")
    return {
        "detail": "Merci pour votre retour d'expérience : les formateurs le relisent avant de "
        "le partager.",
        "retour": stored,
        "masked": masked,
    }


@router.get("", summary="Lister les retours d'expérience", tags=TRAINERS,
            responses=TRAINER_ERRORS)  # fmt: skip
async def list_retours(
    services: ServicesDep,
    trainer: TrainerDep,
    status: Annotated[
        str | None, Query(max_length=16, description="Statut : " + _described(STATUSES) + ".")
    ] = None,
    since: SinceDayQuery = None,
    until: UntilDayQuery = None,
) -> list[dict]:
    """Les retours (anonymisés), les plus anciens d'abord, filtrés par statut et période."""
    start, end = parse_day(since, "since"), parse_day(until, "until")
    return await services.run_io(RetoursService(services.container).list, status, start, end)


@router.post("/{retour_id}/publish", summary="Publier un retour", tags=TRAINERS,
             responses=MODERATION_ERRORS)  # fmt: skip
async def publish_retour(retour_id: RetourId, services: ServicesDep, trainer: TrainerDep) -> dict:
    """Publie un retour nouveau : il peut alors devenir une fiche « cas d'usage » (brouillon)."""
    return await services.run_io(RetoursService(services.container).publish, retour_id)


@router.post("/{retour_id}/reject", summary="Rejeter un retour", tags=TRAINERS,
             responses=MODERATION_ERRORS)  # fmt: skip
async def reject_retour(retour_id: RetourId, services: ServicesDep, trainer: TrainerDep) -> dict:
    """Rejette un retour nouveau (il est supprimé avec le journal au terme de sa conservation)."""
    return await services.run_io(RetoursService(services.container).reject, retour_id)


@router.post("/{retour_id}/merge", summary="Fusionner un retour dans un autre", tags=TRAINERS,
             responses={**MODERATION_ERRORS, **error_responses(400, 413)})  # fmt: skip
async def merge_retour(
    retour_id: RetourId, body: MergeRequest, services: ServicesDep, trainer: TrainerDep
) -> dict:
    """Fusionne un retour nouveau dans un autre (le même usage partagé deux fois compte une
    fois)."""
    return await services.run_io(RetoursService(services.container).merge, retour_id, body.into)


@router.get(
    "/{retour_id}/draft",
    summary="Brouillon de fiche « cas d'usage »",
    tags=TRAINERS,
    response_class=Response,
    responses={
        200: {"content": {"text/markdown": {"schema": {"type": "string"}}}},
        **error_responses(401, 403, 404, 409, 422, 429, streamed=True),
    },
)
async def draft_retour(retour_id: RetourId, services: ServicesDep, trainer: TrainerDep) -> Response:
    """Le brouillon Markdown (en-tête du corpus compris) tiré d'un retour publié, à relire
    puis importer comme tout document (`POST /api/documents` ou `assistant ingest`)."""
    name, markdown = await services.run_io(RetoursService(services.container).draft, retour_id)
    return Response(
        content=markdown,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
