"""The trainers' view of the questions: live webinar follow-up and the CSV export.

Only scrubbed questions are ever read here (the records hold nothing else).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from assistant.services.jobs import JOBS
from assistant.storage import utc_now

if TYPE_CHECKING:
    from assistant.services.state import Services


def _summary(entry: dict[str, Any], votes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    feedback = votes.get(entry.get("question_id", ""))
    return {
        "ts": entry.get("ts"),
        "question_id": entry.get("question_id"),
        "question": entry.get("scrubbed_question", ""),
        "theme": entry.get("theme"),
        "job": entry.get("job"),
        "refused": bool(entry.get("refused")),
        "coverage": entry.get("coverage") or ("refused" if entry.get("refused") else "answered"),
        "flagged": bool(entry.get("question_flagged")),
        "backend": entry.get("backend"),
        "relevance": entry.get("relevance"),
        "documents": list(dict.fromkeys(c.get("doc_id") for c in entry.get("citations") or [])),
        "finding_types": entry.get("finding_types") or [],
        "total_ms": (entry.get("timings") or {}).get("total_ms"),
        "vote": feedback.get("vote") if feedback else None,
        "feedback_reason": feedback.get("reason") if feedback else None,
    }


def _load(services: Services, since_minutes: int | None) -> tuple[list[dict], dict[str, dict]]:
    since = utc_now() - timedelta(minutes=since_minutes) if since_minutes else None
    questions = services.question_log.questions.read(since=since)
    feedback = services.question_log.feedback.read(since=since)
    votes = {f["question_id"]: f for f in feedback if "question_id" in f}  # last vote wins
    return [_summary(q, votes) for q in questions], votes


_CSV_COLUMNS = [
    ("ts", "date (UTC)"),
    ("question_id", "identifiant"),
    ("question", "question anonymisée"),
    ("theme", "thème"),
    ("job", "métier"),
    ("refused", "sans réponse du corpus"),
    ("coverage", "couverture (answered, partial, refused)"),
    ("flagged", "injection suspectée"),
    ("backend", "moteur"),
    ("relevance", "pertinence"),
    ("documents", "documents cités"),
    ("finding_types", "données masquées"),
    ("total_ms", "durée (ms)"),
    ("vote", "avis"),
    ("feedback_reason", "motif de l'avis"),
]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these characters as formulas.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AnalyticsService:
    """Questions (scrubbed) and votes of a period, summarised for the trainers."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def questions(self, *, since_minutes: int | None, limit: int = 50) -> dict[str, Any]:
        """Recent questions and their statistics: by theme, job and backend, refusals,
        partial answers, suspected injections and votes (``limit`` most recent of each)."""
        summaries, votes = await self.services.run_io(_load, self.services, since_minutes)
        refused = [s for s in summaries if s["refused"]]
        vote_counts = Counter(v.get("vote") for v in votes.values())
        return {
            "total": len(summaries),
            "since_minutes": since_minutes,
            "by_theme": dict(Counter(s["theme"] or "aucun" for s in summaries).most_common()),
            "by_job": dict(Counter(s["job"] or "non précisé" for s in summaries).most_common()),
            "jobs": JOBS,
            "by_backend": dict(Counter(s["backend"] for s in summaries).most_common()),
            "refused_count": len(refused),
            "refused": list(reversed(refused[-limit:])),
            "partial_count": sum(1 for s in summaries if s["coverage"] == "partial"),
            "flagged_count": sum(1 for s in summaries if s["flagged"]),
            "feedback": {
                "up": vote_counts.get("up", 0),
                "down": vote_counts.get("down", 0),
                "recent": [
                    {k: v for k, v in f.items() if k in ("ts", "question_id", "vote", "reason")}
                    for f in list(votes.values())[-limit:][::-1]
                ],
            },
            "questions": list(reversed(summaries[-limit:])),
        }

    async def csv_export(self, *, since_minutes: int | None) -> tuple[str, str]:
        """The questions of the period as CSV (``;``, UTF-8 with BOM, for spreadsheets), and
        its file name."""
        summaries, _ = await self.services.run_io(_load, self.services, since_minutes)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([label for _, label in _CSV_COLUMNS])
        for summary in summaries:
            writer.writerow([_cell(summary[key]) for key, _ in _CSV_COLUMNS])
        return f"questions-assistant-{utc_now():%Y-%m-%d}.csv", "\ufeff" + buffer.getvalue()
