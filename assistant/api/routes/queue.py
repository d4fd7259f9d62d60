"""Trainers' queue « Questions à traiter »: the groups, and a trainer's decision on each."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from assistant.api.deps import ServicesDep, SinceDayQuery, TrainerDep, UntilDayQuery
from assistant.api.errors import TRAINER_ERRORS, error_responses
from assistant.services.queue import QueueService
from assistant.services.retours import parse_day, period_bounds

router = APIRouter(
    prefix="/api/queue",
    tags=["Espace formateur : questions à traiter"],
    responses=TRAINER_ERRORS,
)
GROUP_ERRORS = error_responses((404, "Groupe de questions introuvable."))
Status = Literal["open", "linked", "drafted", "out_of_scope"]


class LinkBody(BaseModel):
    """The section that answers a group."""

    doc_id: str = Field(min_length=1, max_length=255, description="Identifiant du document.")
    section: str = Field(
        min_length=1,
        max_length=500,
        description="Titre de la section, tel que la page du document l'affiche.",
    )


@router.get("", summary="Lister les groupes de questions à traiter")
async def list_groups(
    services: ServicesDep,
    trainer: TrainerDep,
    status: Annotated[
        Status | None, Query(description="Seulement les groupes de cet état ; sinon tous.")
    ] = None,
    since: SinceDayQuery = None,
    until: UntilDayQuery = None,
) -> list[dict[str, Any]]:
    """Les questions refusées, les réponses « passages les plus proches » et les réponses
    jugées 👎, regroupées par sujet (les plus gros groupes d'abord, puis les plus récents) :
    nombre, exemples anonymisés, sections les plus proches du corpus, état et lien."""
    start, end = period_bounds(parse_day(since, "since"), parse_day(until, "until"))
    service = QueueService(services.container)
    return await services.run_io(service.groups, status=status, since=start, until=end)


@router.get("/links", summary="Questions reliées aux sections d'un document")
async def list_links(
    services: ServicesDep,
    trainer: TrainerDep,
    doc_id: Annotated[str | None, Query(description="Identifiant du document.")] = None,
) -> list[dict[str, Any]]:
    """Les groupes reliés (à une section du document donné, ou à toute section)."""
    return await services.run_io(QueueService(services.container).links, doc_id)


@router.post(
    "/{group_id}/link",
    summary="Relier un groupe à une section",
    responses=error_responses((404, "Groupe de questions ou document introuvable.")),
)
async def link_group(
    services: ServicesDep, trainer: TrainerDep, group_id: str, body: LinkBody
) -> dict[str, Any]:
    """Relie le groupe à la section qui y répond : ses questions, et les questions proches,
    sont aussitôt répondues à partir de cette section, sans réimport."""
    service = QueueService(services.container)
    return await services.run_io(service.link, group_id, body.doc_id, body.section)


@router.post(
    "/{group_id}/out-of-scope", summary="Classer un groupe hors périmètre", responses=GROUP_ERRORS
)
async def out_of_scope(services: ServicesDep, trainer: TrainerDep, group_id: str) -> dict[str, Any]:
    """Sort le groupe de la file ; ses questions restent refusées."""
    return await services.run_io(QueueService(services.container).out_of_scope, group_id)


@router.post(
    "/{group_id}/reopen", summary="Remettre un groupe dans la file", responses=GROUP_ERRORS
)
async def reopen(services: ServicesDep, trainer: TrainerDep, group_id: str) -> dict[str, Any]:
    """Remet le groupe dans la file ouverte ; son lien éventuel n'est plus utilisé."""
    return await services.run_io(QueueService(services.container).reopen, group_id)


@router.post(
    "/{group_id}/draft",
    summary="Brouillon de fiche à partir d'un groupe",
    response_class=Response,
    responses={
        200: {"content": {"text/markdown": {"schema": {"type": "string"}}}},
        **GROUP_ERRORS,
    },
)
async def draft(services: ServicesDep, trainer: TrainerDep, group_id: str) -> Response:
    """Un brouillon Markdown au format du corpus (en-tête, titres, questions des agents),
    à relire puis importer ; le groupe passe à l'état « drafted »."""
    markdown = await services.run_io(QueueService(services.container).draft, group_id)
    return Response(
        content=markdown,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="brouillon-{group_id}.md"'},
    )


@router.get("/dataset", summary="Jeu d'évaluation « terrain »")
async def dataset(services: ServicesDep, trainer: TrainerDep) -> list[dict[str, Any]]:
    """Les questions des groupes reliés, avec la section attendue (format de eval/datasets)."""
    return await services.run_io(QueueService(services.container).dataset)
