"""Trainers' imports in progress: follow and cancel what ``POST /api/documents`` started."""

from __future__ import annotations

from fastapi import APIRouter, Response

from assistant.api.deps import ServicesDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS, error_responses

router = APIRouter(
    prefix="/api/imports",
    tags=["Espace formateur : corpus"],
    responses=TRAINER_ERRORS,
)
_RESPONSES = error_responses(
    (404, "Aucun import ne porte cet identifiant (ou il est trop ancien).")
)


@router.get("", summary="Lister les imports")
async def list_imports(services: ServicesDep, trainer: TrainerDep) -> list[dict]:
    """Les imports reçus par ce serveur, du plus récent au plus ancien : en attente, en cours
    (étape et avancement) ou terminés depuis moins d'une heure (rapport d'import)."""
    return services.documents.imports()


@router.get("/{import_id}", summary="Suivre un import", responses=_RESPONSES)
async def show_import(import_id: str, services: ServicesDep, trainer: TrainerDep) -> dict:
    """Où en est un import : `status` (`queued`, `running`, puis son issue : `indexed`,
    `replaced`, `unchanged`, `quarantined`, `failed` ou `cancelled`), `progress` (étape,
    passages traités sur le total, pourcentage) et, une fois fini, le rapport d'import."""
    return services.documents.import_status(import_id)


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
    import_id: str, services: ServicesDep, trainer: TrainerDep, response: Response
) -> dict:
    """Annule un import en attente ou en cours : il s'arrête au plus tard après le lot de
    passages en cours de calcul, retire ce qu'il avait écrit et laisse le corpus tel qu'il
    était (200 s'il est déjà arrêté, 202 s'il s'arrête). Un import terminé ne s'annule
    pas : retirez le document (`DELETE /api/documents/{doc_id}`)."""
    report, stopped = services.documents.cancel_import(import_id)
    if not stopped:
        response.status_code = 202
    return report
