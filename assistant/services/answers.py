"""Answering a question on any channel: the engine's events, then the record and the metrics.

The answer keeps personal data restored: it goes back only to the agent who asked; what is
logged is the scrubbed record (``AnswerRecord.to_log()``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from assistant.chat import AnswerRecord, ChatEvent
    from assistant.services.state import Services

log = logging.getLogger("assistant.api")


class AnswerService:
    """Questions of the API (``/api/ask``, ``/v1``) and of the page, answered the same way."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def events(
        self,
        question: str,
        *,
        history: Sequence[Any] = (),
        conversation_id: str | None = None,
        theme: str | None = None,
        job: str | None = None,
        channel: str,
    ) -> AsyncIterator[ChatEvent]:
        """The engine's events for one question; the final record is logged and measured.

        The answer keeps personal data restored: it goes back only to the agent who asked.
        """
        started = time.perf_counter()
        first_token_s: float | None = None
        stream = self.services.container.chat_engine.astream(
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

    async def answer(self, question: str, **kwargs: Any) -> AnswerRecord:
        """The final ``AnswerRecord`` of one question (see ``answer_events``)."""
        record = None
        async for event in self.events(question, **kwargs):
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
        self.services.metrics.observe_answer(
            record,
            channel=channel,
            configured_backend=self.services.container.backends.mode,
            first_token_s=first_token_s,
            total_s=total_s,
        )
        try:
            await self.services.run_io(
                self.services.question_log.record_answer,
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
