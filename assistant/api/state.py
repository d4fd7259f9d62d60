"""What one app holds besides the container: metrics, limiters, logs, the answer service."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from assistant.api.auth import AUTH_FAILURES_PER_MINUTE, LOCKOUT_S, Authenticator
from assistant.api.metrics import ApiMetrics
from assistant.api.ratelimit import SlidingWindowLimiter
from assistant.ingestion.jobs import ImportJob, ImportJobs
from assistant.storage import QuestionLog

log = logging.getLogger("assistant.api")


@dataclass
class ApiState:
    """Per-app state, stored as ``app.state.api`` and reached through ``deps.py``."""

    container: Any
    metrics: ApiMetrics
    authenticator: Authenticator
    question_limiter: SlidingWindowLimiter
    auth_failures: SlidingWindowLimiter
    question_log: QuestionLog
    imports: ImportJobs
    # Small database, file and memory reads/writes (records, health, metrics) get their own
    # threads, so they
    # never queue behind scrubbing and embeddings in the default pool during a burst.
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
    def build(cls, container: Any) -> ApiState:
        settings = container.settings
        auth_failures = SlidingWindowLimiter(AUTH_FAILURES_PER_MINUTE, LOCKOUT_S)
        metrics = ApiMetrics()
        return cls(
            container=container,
            metrics=metrics,
            authenticator=Authenticator(settings, failures=auth_failures),
            question_limiter=SlidingWindowLimiter(settings.server.rate_limit_per_minute),
            auth_failures=auth_failures,
            question_log=container.records,
            imports=ImportJobs(
                lambda: container.ingestor,
                on_finished=lambda job: _import_finished(metrics, job),
            ),
        )

    @property
    def settings(self):
        return self.container.settings

    async def run_io(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a short blocking call (file or index read, log write) on the I/O threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.io_executor, functools.partial(function, *args, **kwargs)
        )

    # ---- answering ---------------------------------------------------------------------
    async def answer_events(
        self,
        question: str,
        *,
        history: Sequence[Any] = (),
        conversation_id: str | None = None,
        theme: str | None = None,
        job: str | None = None,
        channel: str,
    ) -> AsyncIterator[Any]:
        """The engine's events for one question; the final record is logged and measured.

        The answer keeps personal data restored: it goes back only to the agent who asked.
        """
        started = time.perf_counter()
        first_token_s: float | None = None
        stream = self.container.chat_engine.astream(
            question,
            history=history,
            conversation_id=conversation_id,
            theme=theme,
            restore=True,
        )
        try:
            async for event in stream:
                if event.type == "token" and first_token_s is None:
                    first_token_s = time.perf_counter() - started
                if event.type == "final":
                    if first_token_s is not None:
                        # Server side, from the question's arrival in the engine.
                        event.data.timings["time_to_first_token_ms"] = round(
                            first_token_s * 1000, 3
                        )
                    await self._record(
                        event.data,
                        channel=channel,
                        job=job,
                        theme=theme,
                        first_token_s=first_token_s,
                        total_s=time.perf_counter() - started,
                    )
                yield event
        finally:
            await stream.aclose()

    async def answer(self, question: str, **kwargs: Any) -> Any:
        """The final ``AnswerRecord`` of one question (see ``answer_events``)."""
        record = None
        async for event in self.answer_events(question, **kwargs):
            if event.type == "final":
                record = event.data
        assert record is not None
        return record

    async def _record(
        self,
        record: Any,
        *,
        channel: str,
        job: str | None,
        theme: str | None,
        first_token_s: float | None,
        total_s: float,
    ) -> None:
        self.metrics.observe_answer(
            record,
            channel=channel,
            configured_backend=self.container.backends.mode,
            first_token_s=first_token_s,
            total_s=total_s,
        )
        try:
            await self.run_io(
                self.question_log.record_answer,
                record,
                channel=channel,
                job=job,
                requested_theme=theme,
            )
        except (OSError, SQLAlchemyError) as error:
            log.error("question log not written", extra={"error": type(error).__name__})
        log.info(
            "answer",
            extra={
                "question_id": record.question_id,
                "channel": channel,
                "backend": record.backend,
                "refused": record.refused,
                "coverage": record.coverage,
                "relevance": record.relevance,
                "finding_types": sorted({f["type"] for f in record.findings}),
                "flagged": record.question_flagged,
                "first_token_ms": round(first_token_s * 1000, 1) if first_token_s else None,
                "total_ms": round(total_s * 1000, 1),
            },
        )


def _import_finished(metrics: ApiMetrics, job: ImportJob) -> None:
    """Count and log a finished import (types and counts only, never the content)."""
    outcome = job.outcome
    assert outcome is not None
    metrics.ingestions.labels("approved" if job.kind == "approve" and outcome.ok
                              else outcome.status).inc()
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
