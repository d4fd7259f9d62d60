"""Trainers' view of the questions: live webinar follow-up and the report export (CSV)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assistant.api.deps import StateDep, TrainerDep
from assistant.api.errors import TRAINER_ERRORS
from assistant.api.schemas import JOBS
from assistant.api.state import ApiState
from assistant.storage import utc_now

router = APIRouter(
    prefix="/api/analytics",
    tags=["Espace formateur : suivi"],
    responses=TRAINER_ERRORS,
)
SinceMinutes = Annotated[
    int | None,
    Query(
        ge=1,
        le=525_600,
        description="Seulement les questions des N dernières minutes (par exemple la durée "
        "du webinaire en cours) ; sinon tout le journal conservé.",
    ),
]


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


def _load(state: ApiState, since_minutes: int | None) -> tuple[list[dict], dict[str, dict]]:
    since = utc_now() - timedelta(minutes=since_minutes) if since_minutes else None
    questions = state.question_log.questions.read(since=since)
    feedback = state.question_log.feedback.read(since=since)
    votes = {f["question_id"]: f for f in feedback if "question_id" in f}  # last vote wins
    return [_summary(q, votes) for q in questions], votes


@router.get("/questions", summary="Suivre les questions")
async def question_analytics(
    state: StateDep,
    trainer: TrainerDep,
    since_minutes: SinceMinutes = None,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="Nombre de questions récentes renvoyées.")
    ] = 50,
) -> dict:
    """Questions récentes (anonymisées) et leurs statistiques, pour suivre un webinaire en
    direct : nombre par thème et par métier, questions sans réponse du corpus (refus), avis
    des agents. Ne contient jamais de donnée personnelle : seule la question masquée est
    conservée."""
    summaries, votes = await state.run_io(_load, state, since_minutes)
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


@router.get(
    "/export.csv",
    summary="Exporter le rapport (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_csv(
    state: StateDep, trainer: TrainerDep, since_minutes: SinceMinutes = None
) -> Response:
    """Export CSV (séparateur `;`, UTF-8, lisible par un tableur) de toutes les questions
    anonymisées conservées, avec thème, métier, refus, sources, données masquées et avis :
    la matière du rapport de la phase d'expérimentation pour le comité du syndicat."""
    summaries, _ = await state.run_io(_load, state, since_minutes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in _CSV_COLUMNS])
    for summary in summaries:
        writer.writerow([_cell(summary[key]) for key, _ in _CSV_COLUMNS])
    filename = f"questions-assistant-{utc_now():%Y-%m-%d}.csv"
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
