"""Trainers' imports in progress: follow and cancel what ``POST /api/documents`` started."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response

from assistant.api.deps import StateDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS, error_responses
from assistant.ingestion.jobs import ImportJob

router = APIRouter(
    prefix="/api/imports",
    tags=["Espace formateur : corpus"],
    responses=TRAINER_ERRORS,
)
_RESPONSES = error_responses(
    (404, "Aucun import ne porte cet identifiant (ou il est trop ancien).")
)


def _job_or_404(state: Any, import_id: str) -> ImportJob:
    job = state.imports.get(import_id)
    if job is None:
        raise HTTPException(
            404,
            f"Aucun import ne porte l'identifiant « {import_id} » sur ce serveur "
            "(les imports terminés sont gardés une heure).",
        )
    return job


@router.get("", summary="Lister les imports")
async def list_imports(state: StateDep, trainer: TrainerDep) -> list[dict]:
    """Les imports reçus par ce serveur, du plus récent au plus ancien : en attente, en cours
    (étape et avancement) ou terminés depuis moins d'une heure (rapport d'import)."""
    return [job.to_dict() for job in state.imports.list()]


@router.get("/{import_id}", summary="Suivre un import", responses=_RESPONSES)
async def show_import(import_id: str, state: StateDep, trainer: TrainerDep) -> dict:
    """Où en est un import : `status` (`queued`, `running`, puis son issue : `indexed`,
    `replaced`, `unchanged`, `quarantined`, `failed` ou `cancelled`), `progress` (étape,
    passages traités sur le total, pourcentage) et, une fois fini, le rapport d'import."""
    return _job_or_404(state, import_id).to_dict()


@router.delete(
    "/{import_id}",
    summary="Annuler un import",
    responses={
        **_RESPONSES,
        202: {"description": "Annulation demandée : l'import s'arrête au prochain lot."},
        **error_responses((409, "L'import est déjà terminé.")),
    },
)
async def cancel_import(
    import_id: str, state: StateDep, trainer: TrainerDep, response: Response
) -> dict:
    """Annule un import en attente ou en cours : il s'arrête au plus tard après le lot de
    passages en cours de calcul, retire ce qu'il avait écrit et laisse le corpus tel qu'il
    était (200 s'il est déjà arrêté, 202 s'il s'arrête). Un import terminé ne s'annule
    pas : retirez le document (`DELETE /api/documents/{doc_id}`)."""
    job = _job_or_404(state, import_id)
    if job.finished:
        raise HTTPException(
            409,
            f"L'import de « {job.source} » est déjà terminé ({job.to_dict()['status_fr']}) : "
            "pour enlever le document du corpus, retirez-le.",
        )
    state.imports.cancel(import_id)
    if not job.finished:
        response.status_code = 202
    return job.to_dict()
