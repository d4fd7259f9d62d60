"""The repository of the records: the scrubbed question log and the feedback log.

The same operations the JSON-lines files offered (append, read since, purge older than N
days), on the database. Only scrubbed content is ever written here (``AnswerRecord.to_log()``,
scrubbed feedback reasons). Entries older than the retention period are removed by ``purge``
(command ``assistant purge`` and a daily task of the server).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select

from assistant.storage.database import Database
from assistant.storage.models import FeedbackRow, QuestionRow, RetourRow

#: A retour a trainer published is kept past the retention period (it feeds the corpus).
KEPT_RETOUR_STATUS = "publie"


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_ts(value: Any) -> datetime:
    """An entry's ``ts`` as an aware UTC datetime; unreadable means the oldest possible."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def session_key(conversation_id: str | None) -> str | None:
    """The first 16 hex characters of the SHA-256 of a conversation id: distinct sessions can
    be counted, the conversation cannot be found back from it."""
    if not conversation_id:
        return None
    return hashlib.sha256(str(conversation_id).encode("utf-8")).hexdigest()[:16]


def _short(value: Any, length: int) -> str | None:
    return None if value is None else str(value)[:length]


def _question_columns(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "question_id": _short(data.get("question_id"), 64),
        "channel": _short(data.get("channel"), 32),
        "theme": _short(data.get("theme"), 64),
        "job": _short(data.get("job"), 64),
    }


def _feedback_columns(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "question_id": _short(data.get("question_id"), 64),
        "vote": _short(data.get("vote"), 16),
    }


class EntryLog:
    """One append-only log in a table; every entry carries an ISO ``ts`` (UTC).

    Each call is one short transaction, so the server's threads and other processes can
    append, read and purge at the same time.
    """

    def __init__(
        self,
        database: Database,
        model: type[QuestionRow] | type[FeedbackRow],
        columns: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        self.database = database
        self.model = model
        self._columns = columns

    def row_values(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The row for ``entry``: its ``ts`` parsed, typed columns, the rest as JSON."""
        data = {key: value for key, value in entry.items() if key != "ts"}
        return {"ts": parse_ts(entry.get("ts")), **self._columns(data), "data": data}

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Store ``entry`` (stamped now unless it has a ``ts``); return it with its ``ts``."""
        entry = {"ts": format_ts(utc_now()), **entry}
        with self.database.session() as session:
            session.execute(insert(self.model), [self.row_values(entry)])
        return entry

    def read(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Entries in write order, optionally from ``since`` on and before ``until``."""
        query = select(self.model.ts, self.model.data).order_by(self.model.id)
        if since is not None:
            query = query.where(self.model.ts >= since)
        if until is not None:
            query = query.where(self.model.ts < until)
        with self.database.session() as session:
            rows = session.execute(query).all()
        return [{"ts": format_ts(ts), **data} for ts, data in rows]

    def purge(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Remove entries older than ``older_than``; return how many were removed."""
        cutoff = (now or utc_now()) - older_than
        with self.database.session() as session:
            result = session.execute(delete(self.model).where(self.model.ts < cutoff))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class QuestionLog:
    """The questions (scrubbed) and the feedback of the agents, in the records' database.

    ``imported_dir``: where the JSON-lines logs of earlier versions were renamed ``*.imported``
    after their import; the purge deletes them once everything in them is past retention.
    """

    def __init__(self, database: Database, *, imported_dir: Path | None = None) -> None:
        self.database = database
        self.imported_dir = imported_dir
        self.questions = EntryLog(database, QuestionRow, _question_columns)
        self.feedback = EntryLog(database, FeedbackRow, _feedback_columns)

    def record_answer(
        self, record: Any, *, channel: str, job: str | None, requested_theme: str | None
    ) -> dict[str, Any]:
        """Append one answered question: ``record.to_log()`` + top theme, job, channel and
        ``session`` (``session_key`` of the conversation id, never the id itself)."""
        data = record.to_log()
        data["session"] = session_key(data.pop("conversation_id", None))
        citations = data.get("citations") or []
        data["theme"] = citations[0]["theme"] if citations else None
        data["requested_theme"] = requested_theme
        data["job"] = job
        data["channel"] = channel
        return self.questions.append(data)

    def record_feedback(
        self, *, question_id: str, vote: str, reason: str, reason_findings: list[str]
    ) -> dict[str, Any]:
        """Append one vote; ``reason`` must already be scrubbed."""
        return self.feedback.append(
            {
                "question_id": question_id,
                "vote": vote,
                "reason": reason,
                "reason_finding_types": reason_findings,
            }
        )

    def purge(self, retention_days: int, *, now: datetime | None = None) -> dict[str, int]:
        """Remove questions, feedback and retours older than ``retention_days`` (a published
        retour is kept: it became a use case of the corpus)."""
        older_than = timedelta(days=retention_days)
        removed = {
            "questions": self.questions.purge(older_than, now=now),
            "feedback": self.feedback.purge(older_than, now=now),
            "retours": self._purge_retours((now or utc_now()) - older_than),
        }
        if self.imported_dir is not None and self.imported_dir.is_dir():
            # A log was only ever appended to: its last write is no older than its newest entry.
            cutoff = ((now or utc_now()) - older_than).timestamp()
            for path in self.imported_dir.glob("*.jsonl.imported"):
                if path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
        return removed

    def _purge_retours(self, cutoff: datetime) -> int:
        with self.database.session() as session:
            result = session.execute(
                delete(RetourRow).where(
                    RetourRow.ts < cutoff, RetourRow.status != KEPT_RETOUR_STATUS
                )
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
