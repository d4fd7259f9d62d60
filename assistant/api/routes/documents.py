"""Trainers' corpus administration: list, upload, replace, remove and approve documents.

Uploads, replacements and approvals become import jobs (``assistant.ingestion.jobs``, followed
and cancelled under ``/api/imports``); a removal never waits behind them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from assistant.api.deps import ServicesDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS, error_responses
from assistant.api.schemas import ThemeName
from assistant.services.access import Caller
from assistant.services.documents import UploadedFile

router = APIRouter(
    prefix="/api/documents",
    tags=["Espace formateur : corpus"],
    responses=TRAINER_ERRORS,
)
_UNKNOWN = error_responses((404, "Aucun document ne porte cet identifiant."))
_UPLOAD = error_responses(
    (400, "Envoi de fichiers mal formé (multipart/form-data illisible)."),
    (413, "Envoi trop volumineux : tous fichiers confondus, il dépasse la taille maximale."),
)

Files = Annotated[
    list[UploadFile],
    File(description="Un ou plusieurs fichiers : md, txt, html, pdf, docx ou odt."),
]
ThemeForm = Annotated[
    ThemeName | None,
    Form(description="Thème imposé à tous les fichiers (sinon celui de leur en-tête)."),
]


WaitQuery = Annotated[
    float | None,
    Query(
        ge=0,
        le=300,
        description="Secondes à attendre la fin de l'import avant de répondre : s'il n'est pas "
        "fini, la réponse est 202 et l'import continue en arrière-plan (suivi sur "
        "`/api/imports/{import_id}`). Par défaut : ASSISTANT_INGESTION__RESPOND_WITHIN_S ; "
        "0 = répondre tout de suite.",
    ),
]


def _trainer_name(trainer: Caller) -> str:
    return trainer.name or trainer.role


async def _uploaded(upload: UploadFile) -> UploadedFile:
    try:
        return UploadedFile(upload.filename, await upload.read())
    finally:
        await upload.close()


@router.get("", summary="Lister les documents")
async def list_documents(services: ServicesDep, trainer: TrainerDep) -> list[dict]:
    """Liste les documents du corpus : identifiant, titre, thème, version, date d'import,
    nombre de passages, état (`indexed` ou `quarantined`), données masquées et signaux
    d'injection."""
    return await services.documents.list()


@router.post(
    "",
    summary="Importer des documents",
    responses={
        **_UPLOAD,
        202: {"description": "Au moins un import continue en arrière-plan (voir `url`)."},
    },
)
async def upload_documents(
    services: ServicesDep,
    trainer: TrainerDep,
    files: Files,
    response: Response,
    theme: ThemeForm = None,
    wait_s: WaitQuery = None,
) -> list[dict]:
    """Importe un ou plusieurs fichiers ; renvoie le rapport d'import de chacun.

    Chaque fichier devient un import (`import_id`), traité en arrière-plan, l'un après
    l'autre. La réponse attend leur fin quelques secondes (`wait_s`) : tous finis, elle est
    200 et chaque rapport donne l'issue ; sinon elle est 202, et les imports en cours
    (`status` `queued` ou `running`) se suivent et s'annulent sur `url`
    (`GET` / `DELETE /api/imports/{import_id}`).

    Chaque fichier est traité seul : un fichier illisible, trop gros, trop long (plus de
    passages que la limite) ou en double est refusé avec un message, sans effet sur le corpus
    ni sur les autres fichiers. Un fichier qui contient des instructions suspectes est mis en
    quarantaine jusqu'à sa validation (`POST /api/documents/{doc_id}/approve`). Un même
    contenu déjà indexé ne change rien ; un document de même identifiant est remplacé par la
    nouvelle version.
    """
    uploads = [await _uploaded(upload) for upload in files]
    reports, finished = await services.documents.upload(
        uploads, trainer=_trainer_name(trainer), theme=theme, wait_s=wait_s
    )
    if not finished:
        response.status_code = 202
    return reports


@router.get("/{doc_id}", summary="Consulter un document", responses=_UNKNOWN)
async def show_document(doc_id: str, services: ServicesDep, trainer: TrainerDep) -> dict:
    """Fiche d'un document et son rapport d'import : sections trouvées, nombre de passages,
    données personnelles masquées (types et nombres), signaux d'injection."""
    return await services.documents.show(doc_id)


@router.put(
    "/{doc_id}",
    summary="Remplacer un document",
    responses={
        **_UNKNOWN,
        **_UPLOAD,
        202: {"description": "L'import continue en arrière-plan."},
    },
)
async def replace_document(
    doc_id: str,
    services: ServicesDep,
    trainer: TrainerDep,
    file: Annotated[UploadFile, File(description="La nouvelle version du document.")],
    response: Response,
    theme: ThemeForm = None,
    wait_s: WaitQuery = None,
) -> dict:
    """Remplace un document par une nouvelle version (échange atomique des passages).

    Le fichier reçu prend l'identifiant du document remplacé, sauf si son en-tête en déclare
    un autre : dans ce cas, l'ancien document est retiré une fois le nouveau indexé. Si
    l'import échoue, est annulé ou met le fichier en quarantaine, l'ancienne version reste en
    place. Comme pour l'import, la réponse est 202 si l'import n'est pas fini après `wait_s`.
    """
    report, finished = await services.documents.replace(
        doc_id, await _uploaded(file), trainer=_trainer_name(trainer), theme=theme, wait_s=wait_s
    )
    if not finished:
        response.status_code = 202
    return report


@router.delete("/{doc_id}", summary="Retirer un document", responses=_UNKNOWN)
async def remove_document(doc_id: str, services: ServicesDep, trainer: TrainerDep) -> dict:
    """Retire un document et tous ses passages des index (effet immédiat)."""
    return await services.documents.remove(doc_id)


@router.post(
    "/{doc_id}/approve",
    summary="Valider un document en quarantaine",
    responses={
        **_UNKNOWN,
        **error_responses(
            (409, "Le document n'est pas en quarantaine : il n'y a rien à valider."),
            (422, "Le document ne peut plus être importé (fichier devenu illisible…)."),
        ),
        202: {"description": "L'import continue en arrière-plan."},
    },
)
async def approve_document(
    doc_id: str,
    services: ServicesDep,
    trainer: TrainerDep,
    response: Response,
    wait_s: WaitQuery = None,
) -> dict:
    """Valide un document mis en quarantaine (instructions suspectes) après vérification par
    un formateur : il est alors indexé et devient consultable par l'assistant (202 si
    l'import n'est pas fini après `wait_s`, comme pour l'import)."""
    report, finished = await services.documents.approve(
        doc_id, trainer=_trainer_name(trainer), wait_s=wait_s
    )
    if not finished:
        response.status_code = 202
    return report
