"""Imports in the background: a queue of import jobs, their progress, their cancellation.

A large document takes minutes to embed (2 to 3.5 passages a second with the embedded model on
two cores); an HTTP request or a Gradio event must not wait for it, and the trainer must see
where it is and be able to stop it. Jobs run one at a time on one worker thread, in the order
they came (imports are serialised across processes by the index's import lock anyway). A job
lives in the memory of the process that received it; finished jobs are kept for an hour.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from assistant.ingestion.pipeline import STAGES_FR, Ingestor, IngestOutcome, Stage

log = logging.getLogger(__name__)

JobKind = Literal["import", "replace", "approve"]
JobState = Literal["queued", "running", "finished"]

KEEP_FINISHED_S = 3600.0
KEEP_AT_MOST = 200


class ImportQueueFull(Exception):
    """Too many imports wait already; ``str()`` is a French message."""


@dataclass
class ImportJob:
    """One file on its way into the corpus (or out of quarantine)."""

    import_id: str
    kind: JobKind
    source: str
    trainer: str
    created_at: str
    state: JobState = "queued"
    stage: Stage | None = None
    done: int = 0
    total: int = 0
    outcome: IngestOutcome | None = None
    replaced_doc_id: str | None = None
    cancel_requested: bool = False
    finished_at: float | None = None
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    # ---- reading -------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    @property
    def status(self) -> str:
        if self.outcome is not None:
            return self.outcome.status
        return self.state

    def to_dict(self) -> dict[str, Any]:
        """The job as the API and the UI show it: the import report once finished."""
        data: dict[str, Any] = {
            "import_id": self.import_id,
            "url": f"/api/imports/{self.import_id}",
            "kind": self.kind,
            "source": self.source,
            "created_at": self.created_at,
            "state": self.state,
            "cancel_requested": self.cancel_requested,
            "progress": self.progress(),
        }
        if self.outcome is not None:
            data.update(self.outcome.to_dict())
            if self.kind == "replace":
                data["replaced_doc_id"] = self.replaced_doc_id
            return data
        waiting = self.state == "queued"
        data["status"] = self.state
        data["status_fr"] = "en attente" if waiting else "en cours"
        if self.cancel_requested:
            data["status_fr"] = "annulation demandée"
        data["message"] = (
            f"Import de « {self.source} » "
            + ("en attente de son tour" if waiting else f"en cours ({self.progress()['stage_fr']})")
            + " : suivez-le sur "
            + data["url"]
            + "."
        )
        return data

    def progress(self) -> dict[str, Any]:
        """Where the job is: its stage (code and French label), passages done of its total."""
        if self.state == "finished":
            label = "terminé"
        elif self.stage is None:
            label = "en attente de son tour"
        else:
            label = STAGES_FR[self.stage]
        return {
            "stage": self.stage if self.state != "finished" else None,
            "stage_fr": label,
            "done": self.done,
            "total": self.total,
            "percent": round(100 * self.done / self.total) if self.total else None,
        }


class _JobObserver:
    """The ``ImportObserver`` an ``Ingestor`` reports to, for one job."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job

    def stage(self, stage: Stage, total: int = 0) -> None:
        self.job.stage, self.job.total, self.job.done = stage, total, 0

    def advance(self, done: int) -> None:
        self.job.done = done

    def should_stop(self) -> bool:
        return self.job.cancel_requested


class ImportJobs:
    """The import queue of one process: submit, follow, cancel."""

    def __init__(
        self,
        ingestor: Callable[[], Ingestor],
        *,
        max_pending: int = 20,
        on_finished: Callable[[ImportJob], None] | None = None,
    ) -> None:
        self._ingestor = ingestor
        self.max_pending = max_pending
        self.on_finished = on_finished
        self._jobs: OrderedDict[str, ImportJob] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")

    # ---- submitting ----------------------------------------------------------------------
    def submit_file(
        self,
        name: str,
        data: bytes,
        *,
        trainer: str,
        theme: str | None = None,
        replaces: str | None = None,
    ) -> ImportJob:
        """Queue the import of one file; ``replaces``: the document it is a new version of."""
        job = self._new_job("replace" if replaces else "import", name, trainer)

        def run(observer: _JobObserver) -> IngestOutcome:
            ingestor = self._ingestor()
            outcome = ingestor.ingest_bytes(name, data, theme=theme, observer=observer)
            if replaces and outcome.status in ("indexed", "replaced", "unchanged"):
                if outcome.doc_id and outcome.doc_id != replaces:
                    ingestor.remove(replaces)
                job.replaced_doc_id = replaces
            return outcome

        return self._enqueue(job, run)

    def submit_approval(self, doc_id: str, *, trainer: str) -> ImportJob:
        """Queue the indexing of a quarantined document a trainer approved."""
        job = self._new_job("approve", doc_id, trainer)
        return self._enqueue(job, lambda observer: self._ingestor().approve(doc_id, observer))

    # ---- following -----------------------------------------------------------------------
    def get(self, import_id: str) -> ImportJob | None:
        with self._lock:
            return self._jobs.get(import_id)

    def list(self) -> list[ImportJob]:
        """Jobs of this process, most recent first."""
        with self._lock:
            self._forget_old()
            return list(reversed(self._jobs.values()))

    def pending(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if not j.finished)

    def wait(self, jobs: list[ImportJob], timeout_s: float) -> bool:
        """Block until every job is finished or ``timeout_s`` passed; True if all finished."""
        deadline = time.monotonic() + timeout_s
        return all(job._finished.wait(max(0.0, deadline - time.monotonic())) for job in jobs)

    async def wait_async(self, jobs: list[ImportJob], timeout_s: float) -> bool:
        """``wait`` for the event loop (polls every 50 ms; holds no thread)."""
        deadline = time.monotonic() + timeout_s
        while not all(job.finished for job in jobs):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def cancel(self, import_id: str) -> ImportJob | None:
        """Ask a job to stop. A queued job is cancelled at once; a running one stops between
        two batches and removes what it wrote. A finished job is left as it is."""
        with self._lock:
            job = self._jobs.get(import_id)
            if job is None or job.finished:
                return job
            job.cancel_requested = True
            cancelled_before_start = job.state == "queued"
            if cancelled_before_start:
                self._mark_finished(job, _cancelled(job.source))
        if cancelled_before_start:
            self._after(job)
        return job

    def shutdown(self) -> None:
        """Cancel what is queued or running and wait for the worker to stop."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if not job.finished:
                job.cancel_requested = True
        self._executor.shutdown(wait=True, cancel_futures=False)

    # ---- plumbing ------------------------------------------------------------------------
    def _new_job(self, kind: JobKind, source: str, trainer: str) -> ImportJob:
        with self._lock:
            self._forget_old()
            if sum(1 for j in self._jobs.values() if not j.finished) >= self.max_pending:
                raise ImportQueueFull(
                    f"Trop d'imports en attente ({self.max_pending}) : attendez que les "
                    "imports en cours se terminent, puis recommencez."
                )
            job = ImportJob(
                import_id=uuid.uuid4().hex,
                kind=kind,
                source=source,
                trainer=trainer,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            self._jobs[job.import_id] = job
            return job

    def _enqueue(self, job: ImportJob, run: Callable[[_JobObserver], IngestOutcome]) -> ImportJob:
        def work() -> None:
            with self._lock:
                if job.finished:  # cancelled while it waited
                    return
                job.state = "running"
            try:
                outcome = run(_JobObserver(job))
            except Exception as error:
                log.error("import failed", exc_info=(type(error), error, error.__traceback__))
                outcome = IngestOutcome(
                    source=job.source,
                    status="failed",
                    error_code="internal",
                    message=f"« {job.source} » n'a pas pu être importé à cause d'une erreur "
                    "interne ; le corpus n'a pas changé.",
                )
            with self._lock:
                self._mark_finished(job, outcome)
            self._after(job)

        try:
            self._executor.submit(work)
        except RuntimeError:  # shutting down
            with self._lock:
                self._mark_finished(job, _cancelled(job.source))
            self._after(job)
        return job

    @staticmethod
    def _mark_finished(job: ImportJob, outcome: IngestOutcome) -> None:
        job.outcome = outcome
        job.state = "finished"
        job.finished_at = time.monotonic()
        job._finished.set()

    def _after(self, job: ImportJob) -> None:
        if self.on_finished is not None:
            try:
                self.on_finished(job)
            except Exception as error:
                log.error("import hook failed", exc_info=(type(error), error, error.__traceback__))

    def _forget_old(self) -> None:
        now = time.monotonic()
        for import_id, job in list(self._jobs.items()):
            too_many = len(self._jobs) > KEEP_AT_MOST
            expired = job.finished_at is not None and now - job.finished_at > KEEP_FINISHED_S
            if job.finished and (too_many or expired):
                del self._jobs[import_id]


def _cancelled(source: str) -> IngestOutcome:
    return IngestOutcome(
        source=source,
        status="cancelled",
        error_code="cancelled",
        message=f"Import de « {source} » annulé : le corpus n'a pas changé.",
    )
