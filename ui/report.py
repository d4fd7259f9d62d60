"""The webinar dashboard's tables and the committee's report (Markdown + chart + CSV).

Input: the API's analytics (``GET /api/analytics/questions``), which hold scrubbed questions
only. Nothing here reads the logs itself.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.bilan.labels import (
    BLUE,
    GREY,
    RED,
    job_label,
    local_zone,
    percent,
    when,
)
from ui.texts import SYNDICATE, backend_label, pii_label, plural, theme_label

PERIODS: dict[str, int | None] = {
    "Toute la période conservée": None,
    "La dernière heure": 60,
    "Les 3 dernières heures": 180,
    "Les dernières 24 heures": 1440,
    "Les 7 derniers jours": 10080,
}

QUESTION_HEADERS = ["Heure", "Question (anonymisée)", "Thème", "Métier", "Couverte", "Avis"]
COUNT_HEADERS_THEME = ["Thème", "Questions"]
COUNT_HEADERS_JOB = ["Métier", "Questions"]
REFUSED_HEADERS = ["Heure", "Question (anonymisée)", "Métier"]
FEEDBACK_HEADERS = ["Heure", "Avis", "Raison (anonymisée)"]


def vote_label(vote: str | None) -> str:
    return {"up": "👍 utile", "down": "👎 pas utile"}.get(vote or "", "")


def summary_markdown(data: dict[str, Any]) -> str:
    total = data.get("total", 0)
    refused = data.get("refused_count", 0)
    feedback = data.get("feedback", {})
    masked = sum(1 for q in data.get("questions", []) if q.get("finding_types"))
    parts = [
        f"**{plural(total, 'question')}**",
        f"**{refused}** sans réponse du corpus",
        f"**{data.get('partial_count', 0)}** avec les passages les plus proches",
        f"👍 **{feedback.get('up', 0)}** · 👎 **{feedback.get('down', 0)}**",
        f"**{masked}** avec données personnelles masquées",
    ]
    if data.get("flagged_count"):
        parts.append(f"**{data['flagged_count']}** suspectées d'injection")
    return " · ".join(parts)


def dashboard_tables(data: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """Rows of each dashboard table, newest questions first."""
    jobs = data.get("jobs", {})
    questions = [
        [
            when(q.get("ts")),
            q.get("question", ""),
            theme_label(q.get("theme")) if not q.get("refused") else "—",
            job_label(q.get("job"), jobs),
            "non" if q.get("refused") else "oui",
            vote_label(q.get("vote")),
        ]
        for q in data.get("questions", [])
    ]
    themes = [[theme_label(k), n] for k, n in data.get("by_theme", {}).items()]
    by_job = [[job_label(k, jobs), n] for k, n in data.get("by_job", {}).items()]
    refused = [
        [when(q.get("ts")), q.get("question", ""), job_label(q.get("job"), jobs)]
        for q in data.get("refused", [])
    ]
    feedback = [
        [when(f.get("ts")), vote_label(f.get("vote")), f.get("reason", "")]
        for f in data.get("feedback", {}).get("recent", [])
    ]
    return {
        "questions": questions,
        "themes": themes,
        "jobs": by_job,
        "refused": refused,
        "feedback": feedback,
    }


def chart_png(data: dict[str, Any], path: Path) -> Path:
    """Questions by theme and by job, as two horizontal bar charts (matplotlib, no pyplot)."""
    from matplotlib.figure import Figure

    jobs = data.get("jobs", {})
    themes = Counter({theme_label(k): n for k, n in data.get("by_theme", {}).items()})
    by_job = Counter({job_label(k, jobs): n for k, n in data.get("by_job", {}).items()})
    figure = Figure(figsize=(11, 4.8), dpi=110, layout="constrained")
    figure.suptitle(
        f"Questions posées à l'assistant — {plural(data.get('total', 0), 'question')}",
        fontsize=13,
        color="#161616",
    )
    for axes, counts, title in (
        (figure.add_subplot(1, 2, 1), themes, "Par thème"),
        (figure.add_subplot(1, 2, 2), by_job, "Par métier"),
    ):
        axes.set_title(title, loc="left", fontsize=11, color="#161616")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        if not counts:
            axes.text(0.5, 0.5, "Aucune question", ha="center", va="center", color=GREY)
            axes.set_xticks([])
            axes.set_yticks([])
            continue
        items = counts.most_common()[::-1]
        labels = [label for label, _ in items]
        values = [value for _, value in items]
        colors = [RED if label == theme_label(None) else BLUE for label in labels]
        bars = axes.barh(labels, values, color=colors, height=0.6)
        axes.bar_label(bars, padding=3, fontsize=9)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.tick_params(labelsize=9, colors="#3a3a3a")
    figure.savefig(path, format="png", facecolor="white")
    return path


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(
    data: dict[str, Any], *, period: str, chart_name: str, generated_at: datetime
) -> str:
    """The experimental phase's report for the syndicate's committee."""
    total = data.get("total", 0)
    jobs = data.get("jobs", {})
    questions = data.get("questions", [])
    feedback = data.get("feedback", {})
    refused = data.get("refused_count", 0)
    share = f" ({percent(refused, total)})" if total else ""
    masked = Counter(kind for q in questions for kind in q.get("finding_types") or [])
    backends = data.get("by_backend", {})

    def ranked(counts: dict[str, int], label) -> list[list[Any]]:
        return [[label(k), n, percent(n, total)] for k, n in counts.items()]

    sections = [
        "# Assistant IA de la charte — rapport de la phase d'expérimentation",
        f"{SYNDICATE} · rapport généré le "
        f"{generated_at.astimezone(local_zone()):%d/%m/%Y à %H:%M} · période : {period.lower()}",
        "Ce rapport ne contient que des questions **anonymisées** : les données personnelles "
        "sont masquées avant tout enregistrement.",
        "## Synthèse",
        "\n".join(
            [
                f"- Questions posées : **{total}**",
                f"- Questions que le corpus ne couvre pas : **{refused}**{share}",
                f"- Avis des agents : **{feedback.get('up', 0)}** utiles, "
                f"**{feedback.get('down', 0)}** pas utiles",
                "- Questions contenant des données personnelles (masquées) : "
                f"**{sum(1 for q in questions if q.get('finding_types'))}**",
                f"- Questions suspectées d'injection d'instructions : "
                f"**{data.get('flagged_count', 0)}**",
            ]
        ),
        f"![Questions par thème et par métier]({chart_name})",
        "## Thèmes les plus demandés",
        _table(["Thème", "Questions", "Part"], ranked(data.get("by_theme", {}), theme_label))
        if total
        else "Aucune question sur la période.",
        "## Métiers des agents",
        _table(
            ["Métier", "Questions", "Part"],
            ranked(data.get("by_job", {}), lambda k: job_label(k, jobs)),
        )
        if total
        else "Aucune question sur la période.",
        "## Questions que le corpus ne couvre pas",
        "Pistes pour compléter le corpus.",
        "\n".join(f"- {_cell(q.get('question'))}" for q in data.get("refused", [])) or "Aucune.",
        "## Avis négatifs et leurs raisons",
        "\n".join(
            f"- « {_cell(q.get('question'))} » — {_cell(q.get('feedback_reason')) or 'sans raison'}"
            for q in questions
            if q.get("vote") == "down"
        )
        or "Aucun.",
        "## Données personnelles masquées dans les questions",
        "\n".join(f"- {pii_label(k)} : {n}" for k, n in masked.most_common()) or "Aucune.",
        "## Moteurs de réponse",
        "\n".join(f"- {backend_label(k)} : {n}" for k, n in backends.items()) or "Aucun.",
    ]
    return "\n\n".join(sections) + "\n"


EXPORT_PREFIX = "assistant-rapport-"
EXPORT_KEEP_S = 3600


def _remove_old_exports() -> None:
    """Gradio serves a copy of each export from its own cache: ours may go after an hour."""
    import shutil
    import time

    cutoff = time.time() - EXPORT_KEEP_S
    for folder in Path(tempfile.gettempdir()).glob(EXPORT_PREFIX + "*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def export_files(
    data: dict[str, Any], csv_bytes: bytes, *, period: str, now: datetime | None = None
) -> list[Path]:
    """CSV, Markdown report and its chart, written to a fresh temporary folder."""
    now = now or datetime.now(UTC)
    stem = f"rapport-assistant-{now.astimezone(local_zone()):%Y-%m-%d-%Hh%M}"
    _remove_old_exports()
    folder = Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX))
    chart = chart_png(data, folder / f"{stem}.png")
    report = folder / f"{stem}.md"
    report.write_text(
        report_markdown(data, period=period, chart_name=chart.name, generated_at=now),
        encoding="utf-8",
    )
    csv_path = folder / f"{stem}-questions.csv"
    csv_path.write_bytes(csv_bytes)
    return [report, chart, csv_path]
