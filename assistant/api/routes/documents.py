"""Trainers' corpus administration: list, upload, replace, remove and approve documents."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile

from assistant.api.deps import StateDep, TrainerDep
from assistant.api.errors import error_responses
from assistant.api.schemas import ThemeName
from assistant.api.state import ApiState

log = logging.getLogger("assistant.api")

router = APIRouter(
    prefix="/api/documents",
    tags=["Espace formateur : corpus"],
    responses=error_responses(
        (401, "Authentification formateur requise (identifiant et mot de passe, ou jeton)."),
        403,
        422,
        (429, "Trop de tentatives d'authentification échouées (voir Retry-After)."),
    ),
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


async def _ingest_upload(
    state: ApiState, upload: UploadFile, *, name: str | None = None, theme: str | None = None
) -> dict[str, Any]:
    """Ingest one uploaded file in a worker thread; any failure stays with this file."""
    name = name or _safe_name(upload.filename)
    ingestor = state.container.ingestor
    try:
        data = await upload.read()
        async with state.ingest_lock:
            outcome = await asyncio.to_thread(ingestor.ingest_bytes, name, data, theme=theme)
        result = outcome.to_dict()
    except Exception as error:
        log.error("ingestion failed", exc_info=(type(error), error, error.__traceback__))
        result = {
            "source": name,
            "status": "failed",
            "status_fr": "refusé",
            "error_code": "internal",
            "message": f"« {name} » n'a pas pu être importé à cause d'une erreur interne ; "
            "le corpus n'a pas changé.",
        }
    finally:
        await upload.close()
    state.metrics.ingestions.labels(result["status"]).inc()
    for kind, count in (result.get("pii_redacted") or {}).items():
        state.metrics.pii_findings.labels(kind, "document").inc(count)
    log.info(
        "ingestion",
        extra={
            "doc_id": result.get("doc_id"),
            "status": result["status"],
            "chunks": result.get("chunks", 0),
            "error_code": result.get("error_code", ""),
        },
    )
    return result


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


@router.post("", summary="Importer des documents", responses=_UPLOAD)
async def upload_documents(
    state: StateDep, trainer: TrainerDep, files: Files, theme: ThemeForm = None
) -> list[dict]:
    """Importe un ou plusieurs fichiers ; renvoie le rapport d'import de chacun.

    Chaque fichier est traité seul : un fichier illisible, trop gros ou en double est refusé
    avec un message, sans effet sur le corpus ni sur les autres fichiers. Un fichier qui
    contient des instructions suspectes est mis en quarantaine jusqu'à sa validation
    (`POST /api/documents/{doc_id}/approve`). Un même contenu déjà indexé ne change rien ;
    un document de même identifiant est remplacé par la nouvelle version.
    """
    return [await _ingest_upload(state, upload, theme=theme) for upload in files]


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


@router.put("/{doc_id}", summary="Remplacer un document", responses={**_UNKNOWN, **_UPLOAD})
async def replace_document(
    doc_id: str,
    state: StateDep,
    trainer: TrainerDep,
    file: Annotated[UploadFile, File(description="La nouvelle version du document.")],
    theme: ThemeForm = None,
) -> dict:
    """Remplace un document par une nouvelle version (échange atomique des passages).

    Le fichier reçu prend l'identifiant du document remplacé, sauf si son en-tête en déclare
    un autre : dans ce cas, l'ancien document est retiré une fois le nouveau indexé. Si
    l'import échoue ou met le fichier en quarantaine, l'ancienne version reste en place.
    """
    record = _record_or_404(state, doc_id)
    suffix = PurePosixPath(_safe_name(file.filename)).suffix.lower()
    result = await _ingest_upload(
        state, file, name=f"{doc_id}{suffix}", theme=theme or record.theme
    )
    result["replaced_doc_id"] = None
    if result["status"] in ("indexed", "replaced", "unchanged"):
        new_id = result.get("doc_id")
        if new_id and new_id != doc_id:
            async with state.ingest_lock:
                await asyncio.to_thread(state.container.ingestor.remove, doc_id)
        result["replaced_doc_id"] = doc_id
    return result


@router.delete("/{doc_id}", summary="Retirer un document", responses=_UNKNOWN)
async def remove_document(doc_id: str, state: StateDep, trainer: TrainerDep) -> dict:
    """Retire un document et tous ses passages des index (effet immédiat)."""
    _record_or_404(state, doc_id)
    async with state.ingest_lock:
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
    },
)
async def approve_document(doc_id: str, state: StateDep, trainer: TrainerDep) -> dict:
    """Valide un document mis en quarantaine (instructions suspectes) après vérification par
    un formateur : il est alors indexé et devient consultable par l'assistant."""
    record = _record_or_404(state, doc_id)
    if record.status != "quarantined":
        raise HTTPException(409, f"Le document « {doc_id} » n'est pas en quarantaine.")
    async with state.ingest_lock:
        outcome = await asyncio.to_thread(state.container.ingestor.approve, doc_id)
    if not outcome.ok:
        raise HTTPException(
            404 if outcome.error_code == "not_quarantined" else 422, outcome.message
        )
    state.metrics.ingestions.labels("approved").inc()
    log.info("document approved", extra={"doc_id": outcome.doc_id, "chunks": outcome.chunks})
    return outcome.to_dict()
