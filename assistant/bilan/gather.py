"""Gather the bilan's figures: the records' database, the quality history, the settings.

``gather_bilan(container, period)`` is the only place that reads anything; it returns a
``BilanData`` the writers render. Reading 10,000 logged questions and computing every figure
takes about a second here (``eval/bench_bilan.py``).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.bilan.data import (
    BilanData,
    Count,
    Energy,
    JobFigures,
    Period,
    Privacy,
    Quality,
    QualityRun,
    SplitFigures,
    Usage,
)
from assistant.bilan.experimental import gather_experimental_phase
from assistant.bilan.labels import (
    SYNDICATE,
    engine_label,
    job_label,
    local_zone,
    pii_label,
    theme_label,
)
from assistant.bilan.proposals import derive_proposals

#: Published figures for a median Gemini Apps text prompt (Elsner et al., 2025).
HOSTED_WH, HOSTED_GCO2, HOSTED_WATER_ML = 0.24, 0.03, 0.26
#: An hour with this many questions or more counts as a webinar (agents ask all at once).
BUSY_HOUR_QUESTIONS = 20
QUALITY_METRICS = (
    ("hit_at_5", "Section attendue dans les 5 premiers passages"),
    ("mrr", "Rang réciproque moyen (MRR)"),
    ("refusal_accuracy", "Questions hors corpus bien refusées"),
    ("false_refusal_rate", "Questions couvertes refusées à tort"),
    ("citation_validity", "Citations valides"),
    ("pii_leak_rate", "Fuites de données personnelles"),
)


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """``[since, until)`` in UTC: from the first day's midnight to the day after the last."""
    zone = local_zone()
    since = datetime.combine(period.start, time.min, tzinfo=zone).astimezone(UTC)
    until = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return since, until.astimezone(UTC)


def _ts(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["ts"])


def _last_votes(feedback: list[dict[str, Any]]) -> dict[str, str]:
    """The last vote of each question (an agent may change their mind)."""
    return {f["question_id"]: f.get("vote", "") for f in feedback if f.get("question_id")}


def _coverage(entry: dict[str, Any]) -> str:
    return entry.get("coverage") or ("refused" if entry.get("refused") else "answered")


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def gather_usage(questions: list[dict[str, Any]], votes: dict[str, str]) -> Usage:
    """Participation, coverage, votes, per week/theme/job, peak load and response times."""
    if not questions:
        return Usage()
    zone = local_zone()
    coverage = Counter(_coverage(q) for q in questions)
    sessions = {q["session"] for q in questions if q.get("session")}
    sessions_count = len(sessions) + sum(1 for q in questions if not q.get("session"))
    moments = [_ts(q) for q in questions]
    local = [m.astimezone(zone) for m in moments]
    weeks = Counter(m.date() - timedelta(days=m.weekday()) for m in local)
    per_minute = Counter(m.replace(second=0, microsecond=0) for m in local)
    per_hour = Counter(m.replace(minute=0, second=0, microsecond=0) for m in local)
    peak_at, peak = per_minute.most_common(1)[0]
    jobs: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for q in questions:
        row = jobs[job_label(q.get("job"))]
        row[0] += 1
        row[1] += _coverage(q) == "refused"
        vote = votes.get(q.get("question_id") or "")
        row[2] += vote == "up"
        row[3] += vote == "down"
    in_period = [votes[q["question_id"]] for q in questions if q.get("question_id") in votes]
    durations = [
        float(q["timings"]["total_ms"])
        for q in questions
        if isinstance((q.get("timings") or {}).get("total_ms"), int | float)
    ]
    return Usage(
        questions=len(questions),
        answered=coverage.get("answered", 0),
        partial=coverage.get("partial", 0),
        refused=coverage.get("refused", 0),
        sessions=sessions_count,
        active_days=len({m.date() for m in local}),
        channels=[
            Count(k or "—", n)
            for k, n in Counter(q.get("channel") for q in questions).most_common()
        ],
        per_week=[Count(f"{week:%d/%m/%Y}", weeks[week]) for week in sorted(weeks)],
        per_theme=[
            Count(label, n)
            for label, n in Counter(
                theme_label(None if _coverage(q) == "refused" else q.get("theme"))
                for q in questions
            ).most_common()
        ],
        per_job=sorted(
            (JobFigures(label, *v) for label, v in jobs.items()),
            key=lambda j: (-j.questions, j.job),
        ),
        peak_minute=peak,
        peak_minute_at=peak_at,
        peak_hour=max(per_hour.values()),
        busy_hours=sum(1 for n in per_hour.values() if n >= BUSY_HOUR_QUESTIONS),
        p50_ms=_percentile(durations, 0.5),
        p95_ms=_percentile(durations, 0.95),
        votes_up=sum(1 for v in in_period if v == "up"),
        votes_down=sum(1 for v in in_period if v == "down"),
    )


def _runs_where(container: Any) -> tuple[str, str, str]:
    """The configured backend, its model and where it runs (host only, never a secret)."""
    llm = container.settings.llm
    if llm.backend == "extractive":
        return "extractif", "aucun modèle de langage", "sur le serveur de l'assistant"
    url, model = (
        (llm.openai_base_url, llm.openai_model)
        if llm.backend == "openai"
        else (llm.ollama_url, llm.ollama_model)
    )
    host = urlparse(url).hostname or "?"
    local = host in ("localhost", "127.0.0.1", "::1") or "." not in host
    where = (
        f"sur un serveur du syndicat ({host})"
        if local
        else f"sur le serveur {host} (vérifier qu'il est hébergé en France et sous contrat)"
    )
    return llm.backend, model, where


def gather_privacy(
    container: Any,
    questions: list[dict[str, Any]],
    oldest: datetime | None,
    leak_rate: float | None,
) -> Privacy:
    """Masked data by type, injections stopped, retention, the model and where it runs."""
    backend, model, where = _runs_where(container)
    masked = Counter(kind for q in questions for kind in q.get("finding_types") or [])
    return Privacy(
        questions_with_personal_data=sum(1 for q in questions if q.get("finding_types")),
        masked_by_type=[Count(pii_label(k), n) for k, n in masked.most_common()],
        injections_flagged=sum(1 for q in questions if q.get("question_flagged")),
        pii_leak_rate=leak_rate,
        retention_days=container.settings.privacy.question_log_retention_days,
        oldest_record=oldest,
        backend=backend,
        model=model,
        runs_where=where,
        answers_by_engine=[
            Count(engine_label(k or ""), n)
            for k, n in Counter(q.get("backend") for q in questions).most_common()
        ],
    )


def _value(metrics: dict[str, Any], name: str) -> float | None:
    value = (metrics.get(name) or {}).get("value")
    return None if value is None else float(value)


def gather_quality(history: list[dict[str, Any]], until: datetime) -> Quality:
    """The latest run up to the end of the period, and the trend of every run before it."""
    runs = [e for e in history if datetime.fromisoformat(e.get("date", "")) < until]
    if not runs:
        return Quality()
    latest = runs[-1]
    metrics = latest.get("metrics", {})
    splits = [
        SplitFigures(
            name=name,
            count=int((split["metrics"].get("shown_hit_at_5") or {}).get("count") or 0),
            shown_hit_at_5=_value(split["metrics"], "shown_hit_at_5"),
            false_refusal_rate=_value(split["metrics"], "false_refusal_rate"),
            refusal_accuracy=_value(split["metrics"], "refusal_accuracy"),
        )
        for name, split in (latest.get("splits") or {}).items()
        if isinstance(split, dict) and "metrics" in split
    ]
    return Quality(
        latest_date=latest.get("date", ""),
        commit=str(latest.get("commit", "")),
        embedding_model=str((latest.get("models") or {}).get("embedding_model_id", "")),
        metrics=[
            (label, float(metrics[name]["value"]), int(metrics[name].get("count") or 0))
            for name, label in QUALITY_METRICS
            if name in metrics
        ],
        splits=splits,
        history=[
            QualityRun(
                date=e["date"][:10],
                hit_at_5=_value(e["metrics"], "hit_at_5"),
                mrr=_value(e["metrics"], "mrr"),
                refusal_accuracy=_value(e["metrics"], "refusal_accuracy"),
                false_refusal_rate=_value(e["metrics"], "false_refusal_rate"),
            )
            for e in runs
        ],
    )


def gather_energy(container: Any, questions: list[dict[str, Any]]) -> Energy:
    """Energy = measured answer time × the server's configured power × PUE (see the report)."""
    bilan = container.settings.bilan
    seconds = [
        float(q["timings"]["total_ms"]) / 1000
        for q in questions
        if isinstance((q.get("timings") or {}).get("total_ms"), int | float)
    ]
    mean_s = statistics.fmean(seconds) if seconds else 0.0
    per_answer = mean_s * bilan.server_watts * bilan.pue / 3600
    return Energy(
        server_watts=bilan.server_watts,
        pue=bilan.pue,
        measured_answers=len(seconds),
        mean_answer_s=mean_s,
        wh_per_answer=per_answer,
        wh_period=sum(seconds) * bilan.server_watts * bilan.pue / 3600,
        hosted_wh_per_prompt=HOSTED_WH,
        hosted_gco2_per_prompt=HOSTED_GCO2,
        hosted_water_ml_per_prompt=HOSTED_WATER_ML,
        questions=len(questions),
    )


def _read_history(path: Path | None) -> list[dict[str, Any]]:
    from assistant.evaluation.runner import HISTORY_FILE, read_history

    return read_history(path or HISTORY_FILE)


def _oldest_record(container: Any) -> datetime | None:
    from sqlalchemy import func, select

    from assistant.storage.models import QuestionRow

    with container.database.session() as session:
        return session.execute(select(func.min(QuestionRow.ts))).scalar()


def gather_bilan(
    container: Any,
    period: Period,
    *,
    now: datetime | None = None,
    history_file: Path | None = None,
) -> BilanData:
    """Every figure of the bilan over ``period``, read from the container's parts."""
    since, until = period_bounds(period)
    records = container.records
    questions = records.questions.read(since=since, until=until)
    feedback = records.feedback.read(since=since)  # a vote may come after its question
    votes = _last_votes(feedback)
    history = _read_history(history_file)
    latest = [e for e in history if datetime.fromisoformat(e.get("date", "")) < until]
    leak = _value(latest[-1]["metrics"], "pii_leak_rate") if latest else None
    usage = gather_usage(questions, votes)
    phase = gather_experimental_phase(container, since, until)
    data = BilanData(
        period=period,
        generated_at=now or datetime.now(UTC),
        syndicate=SYNDICATE,
        usage=usage,
        privacy=gather_privacy(container, questions, _oldest_record(container), leak),
        quality=gather_quality(history, until),
        energy=gather_energy(container, questions),
        priorities_method=phase.method,
        priorities=phase.priorities,
        retours=phase.retours,
        queue_groups=phase.queue_groups,
    )
    data.proposals = derive_proposals(data)
    return data


def default_period(today: date | None = None, days: int = 90) -> Period:
    """The last ``days`` days up to today (French local day)."""
    today = today or datetime.now(local_zone()).date()
    return Period(today - timedelta(days=days - 1), today)
