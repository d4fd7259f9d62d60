"""Seed a records database with logged questions and votes shaped like the server's (for the
bilan's benchmark, its example and its tests). Only scrubbed questions, as the server logs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from assistant.ingestion.pipeline import THEMES
from assistant.storage.models import FeedbackRow, QuestionRow

JOBS = ["secretariat", "rh", "urbanisme", "social", "communication", None]
QUESTIONS = [
    "Puis-je coller le dossier d'un administré dans ChatGPT ?",
    "Comment rédiger un compte rendu de conseil municipal avec l'IA ?",
    "Quels outils d'IA le syndicat a-t-il validés ?",
    "Que faire si j'ai partagé des données personnelles par erreur ?",
    "Puis-je traduire un courrier de <PERSONNE_1> avec un outil en ligne ?",
    "L'IA consomme-t-elle beaucoup d'énergie ?",
]


def question_entries(
    count: int, start: datetime, days: float, seed: int = 7, *, prefix: str = "q"
) -> list[dict]:
    """``count`` logged questions spread over ``days`` days from ``start`` (deterministic);
    a fraction of a day makes a webinar's burst. ``prefix`` keeps the question ids apart."""
    rng = random.Random(seed)
    entries = []
    for index in range(count):
        moment = start + timedelta(seconds=rng.randrange(max(1, int(days * 86400))))
        coverage = rng.choices(["answered", "partial", "refused"], [0.75, 0.1, 0.15])[0]
        theme = rng.choice(THEMES)
        entries.append(
            {
                "ts": moment.astimezone(UTC).isoformat(timespec="seconds"),
                "question_id": f"{prefix}{index:06d}",
                "scrubbed_question": rng.choice(QUESTIONS),
                "coverage": coverage,
                "refused": coverage == "refused",
                "citations": []
                if coverage == "refused"
                else [{"doc_id": f"fiche-{theme}", "theme": theme}],
                "theme": None if coverage == "refused" else theme,
                "job": rng.choice(JOBS),
                "channel": rng.choice(["ui", "api"]),
                "backend": "extractive" if coverage == "answered" else "refus",
                "finding_types": rng.choice([[], [], [], ["PERSONNE"], ["TÉLÉPHONE", "EMAIL"]]),
                "question_flagged": rng.random() < 0.01,
                "timings": {"total_ms": round(rng.uniform(40, 2500), 1)},
                "session": f"s{rng.randrange(max(1, count // 4)):05d}",
            }
        )
    return entries


def vote_entries(questions: list[dict], share: float = 0.2, seed: int = 11) -> list[dict]:
    """Votes on a ``share`` of the questions, a minute after each."""
    rng = random.Random(seed)
    votes = []
    for q in questions:
        if rng.random() < share:
            moment = datetime.fromisoformat(q["ts"]) + timedelta(minutes=1)
            votes.append(
                {
                    "ts": moment.isoformat(timespec="seconds"),
                    "question_id": q["question_id"],
                    "vote": "up" if rng.random() < 0.75 else "down",
                    "reason": "",
                    "reason_finding_types": [],
                }
            )
    return votes


def insert_entries(records: Any, questions: list[dict], votes: list[dict]) -> None:
    """Insert in batches, through the log's own row mapping (same columns as ``append``)."""
    with records.database.session() as session:
        for model, log, entries in (
            (QuestionRow, records.questions, questions),
            (FeedbackRow, records.feedback, votes),
        ):
            for offset in range(0, len(entries), 2000):
                batch = [log.row_values(e) for e in entries[offset : offset + 2000]]
                if batch:
                    session.execute(insert(model), batch)
