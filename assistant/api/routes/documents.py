"""Trainers' corpus administration: list, upload, replace, remove and approve documents.

Uploads, replacements and approvals become import jobs (``assistant.ingestion.jobs``, followed
and cancelled under ``/api/imports``); a removal never waits behind them."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Response, UploadFile

from assistant.api.auth import Caller
from assistant.api.deps import StateDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS, error_responses
from assistant.api.schemas import ThemeName
from assistant.api.state import ApiState
from assistant.ingestion.jobs import ImportJob, ImportQueueFull

log = logging.getLogger("assistant.api")

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
_STATUS_FR = {"indexed": "indexé", "quarantined": "en quarantaine"}

Files = Annotated[
    list[UploadFile],
    File(description="Un ou plusieurs fichiers : md, txt, html, pdf, docx ou odt."),
]
ThemeForm = Annotated[
    ThemeName | None,
    Form(description="Thème imposé à tous les fichiers (sinon celui de leur en-tête)."),
]


def _summary(record: Any) -> dict[str, Any]:
    data = {k: v for k, v in asdict(record).items() if k != "chunk_ids"}
    data["chunks"] = len(record.chunk_ids)
    data["status_fr"] = _STATUS_FR.get(record.status, record.status)
    return data


def _safe_name(filename: str | None) -> str:
    name = PureWindowsPath(PurePosixPath(filename or "").name).name.strip()
    return name or "document"


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


async def _submit_upload(
    state: ApiState,
    upload: UploadFile,
    trainer: Caller,
    *,
    name: str | None = None,
    theme: str | None = None,
    replaces: str | None = None,
) -> ImportJob | dict[str, Any]:
    """Queue the import of one uploaded file; a refusal stays with this file."""
    name = name or _safe_name(upload.filename)
    try:
        data = await upload.read()
    finally:
        await upload.close()
    try:
        return state.imports.submit_file(
            name, data, trainer=trainer.name or trainer.role, theme=theme, replaces=replaces
        )
    except ImportQueueFull as error:
        return {
            "source": name,
            "status": "failed",
            "status_fr": "refusé",
            "error_code": "busy",
            "message": str(error),
        }


async def _reports(
    state: ApiState, submitted: list[ImportJob | dict[str, Any]], wait_s: float | None
) -> tuple[list[dict[str, Any]], bool]:
    """Wait for the jobs (at most ``wait_s``); their reports, and whether all are finished."""
    jobs = [j for j in submitted if isinstance(j, ImportJob)]
    timeout = state.settings.ingestion.respond_within_s if wait_s is None else wait_s
    finished = await state.imports.wait_async(jobs, timeout)
    return [j.to_dict() if isinstance(j, ImportJob) else j for j in submitted], finished


def _record_or_404(state: ApiState, doc_id: str) -> Any:
    record = state.container.index.manifest.get(doc_id)
    if record is None:
        raise HTTPException(404, f"Aucun document ne porte l'identifiant « {doc_id} ».")
    return record


@router.get("", summary="Lister les documents")
async def list_documents(state: StateDep, trainer: TrainerDep) -> list[dict]:
    """Liste les documents du corpus : identifiant, titre, thème, version, date d'import,
    nombre de passages, état (`indexed` ou `quarantined`), données masquées et signaux
    d'injection."""
    records = await state.run_io(state.container.index.documents)
    return [_summary(r) for r in records]


@router.post(
    "",
    summary="Importer des documents",
    responses={
        **_UPLOAD,
        202: {"description": "Au moins un import continue en arrière-plan (voir `url`)."},
    },
)
async def upload_documents(
    state: StateDep,
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
    submitted = [await _submit_upload(state, upload, trainer, theme=theme) for upload in files]
    reports, finished = await _reports(state, submitted, wait_s)
    if not finished:
        response.status_code = 202
    return reports


@router.get("/{doc_id}", summary="Consulter un document", responses=_UNKNOWN)
async def show_document(doc_id: str, state: StateDep, trainer: TrainerDep) -> dict:
    """Fiche d'un document et son rapport d'import : sections trouvées, nombre de passages,
    données personnelles masquées (types et nombres), signaux d'injection."""
    record = _record_or_404(state, doc_id)
    chunks = await state.run_io(state.container.index.get_chunks, record.chunk_ids)
    sections = list(dict.fromkeys(c.metadata.get("section_path", "") for c in chunks))
    data = _summary(record)
    data["sections"] = sections
    data["passages"] = [
        {
            "chunk_id": c.chunk_id,
            "section_path": c.metadata.get("section_path", ""),
            "url": f"/api/passages/{c.chunk_id}",
        }
        for c in chunks
    ]
    data["report"] = {
        "status": record.status,
        "status_fr": data["status_fr"],
        "chunks": len(record.chunk_ids),
        "pii_redacted": record.pii_redacted,
        "injection_signals": record.injection_signals,
        "hidden_text": record.hidden_text,
        "quarantined": record.status == "quarantined",
    }
    return data


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
    state: StateDep,
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
    record = _record_or_404(state, doc_id)
    suffix = PurePosixPath(_safe_name(file.filename)).suffix.lower()
    submitted = await _submit_upload(
        state,
        file,
        trainer,
        name=f"{doc_id}{suffix}",
        theme=theme or record.theme,
        replaces=doc_id,
    )
    (report,), finished = await _reports(state, [submitted], wait_s)
    if not finished:
        response.status_code = 202
    report.setdefault("replaced_doc_id", None)
    return report


@router.delete("/{doc_id}", summary="Retirer un document", responses=_UNKNOWN)
async def remove_document(doc_id: str, state: StateDep, trainer: TrainerDep) -> dict:
    """Retire un document et tous ses passages des index (effet immédiat)."""
    _record_or_404(state, doc_id)
    # Never behind an import: removal takes only the index's short commit lock.
    record = await asyncio.to_thread(state.container.ingestor.remove, doc_id)
    if record is None:
        raise HTTPException(404, f"Aucun document ne porte l'identifiant « {doc_id} ».")
    log.info("document removed", extra={"doc_id": doc_id, "chunks": len(record.chunk_ids)})
    return {
        "doc_id": doc_id,
        "removed": True,
        "chunks_removed": len(record.chunk_ids),
        "detail": f"« {record.title} » retiré ({len(record.chunk_ids)} passages).",
    }


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
    state: StateDep,
    trainer: TrainerDep,
    response: Response,
    wait_s: WaitQuery = None,
) -> dict:
    """Valide un document mis en quarantaine (instructions suspectes) après vérification par
    un formateur : il est alors indexé et devient consultable par l'assistant (202 si
    l'import n'est pas fini après `wait_s`, comme pour l'import)."""
    record = _record_or_404(state, doc_id)
    if record.status != "quarantined":
        raise HTTPException(409, f"Le document « {doc_id} » n'est pas en quarantaine.")
    try:
        job = state.imports.submit_approval(doc_id, trainer=trainer.name or trainer.role)
    except ImportQueueFull as error:
        raise HTTPException(503, str(error)) from None
    (report,), finished = await _reports(state, [job], wait_s)
    if not finished:
        response.status_code = 202
        return report
    outcome = job.outcome
    assert outcome is not None
    if not outcome.ok:
        status = 404 if outcome.error_code == "not_quarantined" else 422
        raise HTTPException(status, outcome.message)
    log.info("document approved", extra={"doc_id": outcome.doc_id, "chunks": outcome.chunks})
    return report
