"""The bilan's charts, drawn with matplotlib (``Figure`` on the Agg canvas, no pyplot state)
in the syndicate's colours, as PNG bytes keyed by name."""

from __future__ import annotations

import io
from collections.abc import Callable

from assistant.bilan.data import BilanData, Count
from assistant.bilan.labels import BLUE, GREY, INK, RED

DPI = 150
WIDTH_IN = 6.5


def _figure(height_in: float):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot(1, 1, 1)


def _style(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8, colors=INK)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def weekly_chart(counts: list[Count]) -> bytes:
    """Questions per week (Monday of each week), as vertical bars."""
    figure, axes = _figure(2.6)
    bars = axes.bar([c.label for c in counts], [c.value for c in counts], color=BLUE, width=0.6)
    axes.bar_label(bars, padding=2, fontsize=7)
    axes.set_ylabel("questions", fontsize=8, color=INK)
    axes.set_xlabel("semaine du", fontsize=8, color=INK)
    axes.yaxis.get_major_locator().set_params(integer=True)
    if len(counts) > 8:
        axes.tick_params(axis="x", labelrotation=45)
    _style(axes)
    return _png(figure)


def ranked_chart(counts: list[Count], highlight: str = "") -> bytes:
    """Counts as horizontal bars, the largest on top; ``highlight``'s bar in red."""
    shown = counts[:12][::-1]
    figure, axes = _figure(0.9 + 0.28 * len(shown))
    labels = [c.label for c in shown]
    colors = [RED if label == highlight else BLUE for label in labels]
    bars = axes.barh(labels, [c.value for c in shown], color=colors, height=0.6)
    axes.bar_label(bars, padding=3, fontsize=7)
    axes.xaxis.get_major_locator().set_params(integer=True)
    _style(axes)
    return _png(figure)


def quality_chart(data: BilanData) -> bytes:
    """The quality suite's main measures over its runs."""
    runs = data.quality.history
    figure, axes = _figure(2.8)
    series: list[tuple[str, Callable, str, str]] = [
        ("section dans les 5 premiers", lambda r: r.hit_at_5, BLUE, "-"),
        ("MRR", lambda r: r.mrr, "#6a6af4", "--"),
        ("hors corpus bien refusées", lambda r: r.refusal_accuracy, "#18753c", "-"),
        ("refus à tort", lambda r: r.false_refusal_rate, RED, "-"),
    ]
    positions = list(range(1, len(runs) + 1))
    for label, pick, color, style in series:
        values = [pick(r) for r in runs]
        if any(v is not None for v in values):
            axes.plot(positions, values, style, marker="o", markersize=3, color=color, label=label)
    axes.set_ylim(0, 1.05)
    axes.set_xlabel(
        "exécutions de la suite de qualité (de la plus ancienne à la dernière)",
        fontsize=8,
        color=INK,
    )
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="lower right")
    _style(axes)
    return _png(figure)


def energy_chart(data: BilanData) -> bytes:
    """Energy of the period's answers here vs the same questions to a large hosted model."""
    energy = data.energy
    figure, axes = _figure(1.8)
    labels = ["Grand modèle hébergé\n(chiffres publiés)", "Assistant du syndicat\n(estimation)"]
    values = [energy.hosted_wh_period, energy.wh_period]
    bars = axes.barh(labels, values, color=[GREY, BLUE], height=0.55)
    axes.bar_label(
        bars, labels=[f"{v:.1f} Wh".replace(".", ",") for v in values], padding=3, fontsize=7
    )
    axes.set_xlabel("énergie pour les questions de la période (Wh)", fontsize=8, color=INK)
    _style(axes)
    return _png(figure)


def coverage_chart(data: BilanData) -> bytes:
    """One stacked bar: the share of questions answered, partly answered, not answered."""
    usage = data.usage
    figure, axes = _figure(0.8)
    parts = [
        ("répondues", usage.answered, BLUE),
        ("passages les plus proches", usage.partial, "#6a6af4"),
        ("sans réponse du corpus", usage.refused, RED),
    ]
    left = 0.0
    for label, value, color in parts:
        width = value / usage.questions if usage.questions else 0
        axes.barh([0], [width], left=left, color=color, height=0.6, label=label)
        if width >= 0.06:
            axes.text(
                left + width / 2,
                0,
                f"{round(100 * width)} %",
                ha="center",
                va="center",
                color="white",
                fontsize=8,
                fontweight="bold",
            )
        left += width
    axes.set_xlim(0, 1)
    axes.set_axis_off()
    axes.legend(ncols=3, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.05), frameon=False)
    return _png(figure)


def draw_charts(data: BilanData) -> dict[str, bytes]:
    """Every chart the bilan shows for ``data`` (none for an empty period)."""
    if data.empty:
        return {}
    usage = data.usage
    charts = {
        "couverture": coverage_chart(data),
        "semaines": weekly_chart(usage.per_week),
        "themes": ranked_chart(usage.per_theme, highlight="Aucun (sans réponse du corpus)"),
        "metiers": ranked_chart(
            [Count(j.job, j.questions) for j in usage.per_job], highlight="Non précisé"
        ),
        "energie": energy_chart(data),
    }
    if data.quality.history:
        charts["qualite"] = quality_chart(data)
    return charts
