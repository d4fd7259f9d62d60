"""One app's services and the state they share: metrics, access policy, records, imports.

``Services.build(container)`` is made once per app (``create_app``) and reached by the API's
dependencies (``ServicesDep``) and by the Gradio page alike; each capability is a service of its
own module (answers, documents, feedback, check, analytics, passages), built on first use.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.ingestion.jobs import ImportJob, ImportJobs
from assistant.services.access import AccessPolicy
from assistant.services.metrics import ApiMetrics
from assistant.storage import QuestionLog

if TYPE_CHECKING:
    from assistant.container import Container
    from assistant.services.analytics import AnalyticsService
    from assistant.services.answers import AnswerService
    from assistant.services.check import TextCheckService
    from assistant.services.documents import DocumentService
    from assistant.services.feedback import FeedbackService
    from assistant.services.passages import PassageService
    from assistant.settings import Settings

log = logging.getLogger("assistant.api")


@dataclass
class Services:
    """Per-app services and shared state (``app.state.api``; ``ServicesDep`` in routes)."""

    container: Container
    metrics: ApiMetrics
    policy: AccessPolicy
    question_log: QuestionLog
    imports: ImportJobs
    # Small database, file and memory reads/writes (records, health, metrics) get their own
    # threads, so they never queue behind scrubbing and embeddings in the default pool during
    # a burst.
    io_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="api-io")
    )
    started_at: float = field(default_factory=time.monotonic)
    warm: bool = False
    warm_error: str = ""
    # Set by ``run_server``: the serving process tunes its garbage collector once warm (tests
    # build many apps in one process and leave the collector alone).
    tune_garbage_collector: bool = False

    @classmethod
    def build(cls, container: Container) -> Services:
        metrics = ApiMetrics()
        return cls(
            container=container,
            metrics=metrics,
            policy=AccessPolicy(container.settings, metrics),
            question_log=container.records,
            imports=ImportJobs(
                lambda: container.ingestor,
                on_finished=lambda job: _import_finished(metrics, job),
            ),
        )

    @property
    def settings(self) -> Settings:
        return self.container.settings

    async def run_io(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a short blocking call (file or index read, log write) on the I/O threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.io_executor, functools.partial(function, *args, **kwargs)
        )

    # ---- the capabilities, built on first use ---------------------------------------------
    @functools.cached_property
    def answers(self) -> AnswerService:
        from assistant.services.answers import AnswerService

        return AnswerService(self)

    @functools.cached_property
    def documents(self) -> DocumentService:
        from assistant.services.documents import DocumentService

        return DocumentService(self)

    @functools.cached_property
    def feedback(self) -> FeedbackService:
        from assistant.services.feedback import FeedbackService

        return FeedbackService(self)

    @functools.cached_property
    def text_check(self) -> TextCheckService:
        from assistant.services.check import TextCheckService

        return TextCheckService(self)

    @functools.cached_property
    def analytics(self) -> AnalyticsService:
        from assistant.services.analytics import AnalyticsService

        return AnalyticsService(self)

    @functools.cached_property
    def passages(self) -> PassageService:
        from assistant.services.passages import PassageService

        return PassageService(self)


def _import_finished(metrics: ApiMetrics, job: ImportJob) -> None:
    """Count and log a finished import (types and counts only, never the content)."""
    outcome = job.outcome
    assert outcome is not None
    metrics.ingestions.labels(
        "approved" if job.kind == "approve" and outcome.ok else outcome.status
    ).inc()
    for kind, count in outcome.pii_redacted.items():
        metrics.pii_findings.labels(kind, "document").inc(count)
    log.info(
        "ingestion",
        extra={
            "import_id": job.import_id,
            "kind": job.kind,
            "doc_id": outcome.doc_id,
            "status": outcome.status,
            "chunks": outcome.chunks,
            "error_code": outcome.error_code,
        },
    )
