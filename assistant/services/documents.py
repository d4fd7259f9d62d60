"""The corpus, administered by trainers: list, read, import, replace, remove, approve, and the
imports in progress.

Imports, replacements and approvals become import jobs (``assistant.ingestion.jobs``), processed
one after the other in the background; the caller waits for them at most ``wait_s`` seconds
(``ingestion.respond_within_s`` by default). A removal never waits behind them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from assistant.ingestion.jobs import ImportJob, ImportQueueFull
from assistant.services.errors import Conflict, Invalid, NotFound, Unavailable

if TYPE_CHECKING:
    from assistant.services.state import Services

log = logging.getLogger("assistant.api")

STATUS_FR = {"indexed": "indexé", "quarantined": "en quarantaine"}


@dataclass(frozen=True)
class UploadedFile:
    """A file a trainer sent: its name as given by the client and its bytes."""

    filename: str | None
    data: bytes

    @property
    def safe_name(self) -> str:
        """The file's own name, without any folder (Windows or POSIX), never empty."""
        name = PureWindowsPath(PurePosixPath(self.filename or "").name).name.strip()
        return name or "document"


def document_summary(record: Any) -> dict[str, Any]:
    """A manifest record as the API and the page show it (passage count, French status)."""
    data = {k: v for k, v in asdict(record).items() if k != "chunk_ids"}
    data["chunks"] = len(record.chunk_ids)
    data["status_fr"] = STATUS_FR.get(record.status, record.status)
    return data


def _unknown(doc_id: str) -> NotFound:
    return NotFound(f"Aucun document ne porte l'identifiant « {doc_id} ».")


class DocumentService:
    """The trainers' actions on the corpus, for the API and the page."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @property
    def _index(self) -> Any:
        return self.services.container.index

    def _record(self, doc_id: str) -> Any:
        record = self._index.manifest.get(doc_id)
        if record is None:
            raise _unknown(doc_id)
        return record

    # ---- reading ---------------------------------------------------------------------------
    async def list(self) -> list[dict[str, Any]]:
        """Every document of the corpus (quarantined ones included), summarised."""
        records = await self.services.run_io(self._index.documents)
        return [document_summary(r) for r in records]

    async def show(self, doc_id: str) -> dict[str, Any]:
        """One document: its summary, sections, passages and import report; NotFound."""
        record = self._record(doc_id)
        chunks = await self.services.run_io(self._index.get_chunks, record.chunk_ids)
        data = document_summary(record)
        data["sections"] = list(dict.fromkeys(c.metadata.get("section_path", "") for c in chunks))
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

    # ---- importing -------------------------------------------------------------------------
    async def upload(
        self,
        files: Sequence[UploadedFile],
        *,
        trainer: str,
        theme: str | None = None,
        wait_s: float | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Import each file as its own job; their reports, and whether all are finished.

        Each file is processed alone: a refused one (unreadable, too big, duplicate, queue
        full) has a failed report and changes nothing for the others.
        """
        submitted = [self._submit(f.safe_name, f.data, trainer, theme=theme) for f in files]
        return await self._reports(submitted, wait_s)

    async def replace(
        self,
        doc_id: str,
        file: UploadedFile,
        *,
        trainer: str,
        theme: str | None = None,
        wait_s: float | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """A new version of ``doc_id`` (atomic swap of its passages); NotFound. If the import
        fails, is cancelled or is quarantined, the old version stays."""
        record = self._record(doc_id)
        suffix = PurePosixPath(file.safe_name).suffix.lower()
        submitted = self._submit(
            f"{doc_id}{suffix}", file.data, trainer, theme=theme or record.theme, replaces=doc_id
        )
        (report,), finished = await self._reports([submitted], wait_s)
        report.setdefault("replaced_doc_id", None)
        return report, finished

    async def remove(self, doc_id: str) -> dict[str, Any]:
        """Remove a document and all its passages (at once); NotFound."""
        self._record(doc_id)
        # Never behind an import: removal takes only the index's short commit lock.
        record = await asyncio.to_thread(self.services.container.ingestor.remove, doc_id)
        if record is None:
            raise _unknown(doc_id)
        log.info("document removed", extra={"doc_id": doc_id, "chunks": len(record.chunk_ids)})
        return {
            "doc_id": doc_id,
            "removed": True,
            "chunks_removed": len(record.chunk_ids),
            "detail": f"« {record.title} » retiré ({len(record.chunk_ids)} passages).",
        }

    async def approve(
        self, doc_id: str, *, trainer: str, wait_s: float | None = None
    ) -> tuple[dict[str, Any], bool]:
        """Index a quarantined document a trainer checked; NotFound, Conflict (not in
        quarantine), Unavailable (queue full), Invalid (it can no longer be imported)."""
        record = self._record(doc_id)
        if record.status != "quarantined":
            raise Conflict(f"Le document « {doc_id} » n'est pas en quarantaine.")
        try:
            job = self.services.imports.submit_approval(doc_id, trainer=trainer)
        except ImportQueueFull as error:
            raise Unavailable(str(error)) from None
        (report,), finished = await self._reports([job], wait_s)
        if not finished:
            return report, False
        outcome = job.outcome
        assert outcome is not None
        if not outcome.ok:
            if outcome.error_code == "not_quarantined":
                raise NotFound(outcome.message)
            raise Invalid(outcome.message)
        log.info("document approved", extra={"doc_id": outcome.doc_id, "chunks": outcome.chunks})
        return report, True

    # ---- imports in progress ---------------------------------------------------------------
    def imports(self) -> list[dict[str, Any]]:
        """This server's imports, newest first (finished ones are kept an hour)."""
        return [job.to_dict() for job in self.services.imports.list()]

    def import_status(self, import_id: str) -> dict[str, Any]:
        """Where an import is: its status, progress and, once finished, its report."""
        return self._job(import_id).to_dict()

    def cancel_import(self, import_id: str) -> tuple[dict[str, Any], bool]:
        """Stop an import in progress; its report and whether it has already stopped.
        Conflict when it is finished (remove the document instead)."""
        job = self._job(import_id)
        if job.finished:
            raise Conflict(
                f"L'import de « {job.source} » est déjà terminé ({job.to_dict()['status_fr']}) : "
                "pour enlever le document du corpus, retirez-le."
            )
        self.services.imports.cancel(import_id)
        return job.to_dict(), job.finished

    # ---- details ---------------------------------------------------------------------------
    def _job(self, import_id: str) -> ImportJob:
        job = self.services.imports.get(import_id)
        if job is None:
            raise NotFound(
                f"Aucun import ne porte l'identifiant « {import_id} » sur ce serveur "
                "(les imports terminés sont gardés une heure)."
            )
        return job

    def _submit(
        self,
        name: str,
        data: bytes,
        trainer: str,
        *,
        theme: str | None = None,
        replaces: str | None = None,
    ) -> ImportJob | dict[str, Any]:
        """Queue the import of one file; a refusal stays with this file."""
        try:
            return self.services.imports.submit_file(
                name, data, trainer=trainer, theme=theme, replaces=replaces
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
        self, submitted: list[ImportJob | dict[str, Any]], wait_s: float | None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Wait for the jobs (at most ``wait_s``); their reports, and whether all finished."""
        jobs = [j for j in submitted if isinstance(j, ImportJob)]
        settings = self.services.settings
        timeout = settings.ingestion.respond_within_s if wait_s is None else wait_s
        finished = await self.services.imports.wait_async(jobs, timeout)
        return [j.to_dict() if isinstance(j, ImportJob) else j for j in submitted], finished
