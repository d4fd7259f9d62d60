"""The question log and the feedback log: append-only JSON lines in the data dir.

Only scrubbed content is ever written here (``AnswerRecord.to_log()``, scrubbed feedback
reasons). Entries older than the retention period are removed by ``purge`` (command
``assistant purge`` and a daily task of the server).

Appends and purges take an exclusive ``flock`` on a lock file beside the log, so several
processes sharing one data dir on a local disk do not interleave or lose lines.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def utc_now() -> datetime:
    return datetime.now(UTC)


class JsonLinesLog:
    """One append-only JSON lines file; every entry carries an ISO ``ts`` (UTC)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._thread_lock = threading.Lock()

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry = {"ts": utc_now().isoformat(timespec="seconds"), **entry}
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with self._locked(), open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
        return entry

    def read(self, *, since: datetime | None = None) -> list[dict[str, Any]]:
        """Entries in write order (skipping a torn last line), optionally from ``since`` on."""
        if not self.path.exists():
            return []
        entries = []
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if since is not None and _parse_ts(entry) < since:
                    continue
                entries.append(entry)
        return entries

    def purge(self, older_than: timedelta, *, now: datetime | None = None) -> int:
        """Remove entries older than ``older_than``; return how many were removed."""
        if not self.path.exists():
            return 0
        cutoff = (now or utc_now()) - older_than
        with self._locked():
            kept, removed = [], 0
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        removed += 1
                        continue
                    if _parse_ts(entry) < cutoff:
                        removed += 1
                    else:
                        kept.append(line if line.endswith("\n") else line + "\n")
            if removed:
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}-")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as handle:
                        handle.writelines(kept)
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.replace(tmp, self.path)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            return removed


def _parse_ts(entry: dict[str, Any]) -> datetime:
    try:
        value = datetime.fromisoformat(str(entry["ts"]))
    except (KeyError, ValueError):
        return datetime.min.replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class QuestionLog:
    """The questions (scrubbed) and the feedback of the agents, under ``<data dir>/journal``."""

    def __init__(self, data_dir: Path) -> None:
        self.directory = data_dir / "journal"
        self.questions = JsonLinesLog(self.directory / "questions.jsonl")
        self.feedback = JsonLinesLog(self.directory / "avis.jsonl")

    def record_answer(
        self, record: Any, *, channel: str, job: str | None, requested_theme: str | None
    ) -> dict[str, Any]:
        """Append one answered question: ``record.to_log()`` + top theme, job and channel."""
        data = record.to_log()
        data.pop("conversation_id", None)
        citations = data.get("citations") or []
        data["theme"] = citations[0]["theme"] if citations else None
        data["requested_theme"] = requested_theme
        data["job"] = job
        data["channel"] = channel
        return self.questions.append(data)

    def record_feedback(
        self, *, question_id: str, vote: str, reason: str, reason_findings: list[str]
    ) -> dict[str, Any]:
        return self.feedback.append(
            {
                "question_id": question_id,
                "vote": vote,
                "reason": reason,
                "reason_finding_types": reason_findings,
            }
        )

    def purge(self, retention_days: int, *, now: datetime | None = None) -> dict[str, int]:
        """Remove questions and feedback older than ``retention_days``."""
        older_than = timedelta(days=retention_days)
        return {
            "questions": self.questions.purge(older_than, now=now),
            "feedback": self.feedback.purge(older_than, now=now),
        }
