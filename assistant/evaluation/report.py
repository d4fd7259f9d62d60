"""`assistant eval report`: a Markdown report and a PNG trend chart of the quality history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.evaluation.runner import HISTORY_FILE, read_history

CHART_METRICS = (
    "hit_at_5",
    "mrr",
    "refusal_accuracy",
    "false_refusal_rate",
    "citation_validity",
    "key_fact_recall",
)
LABELS_FR = {
    "hit_at_1": "section trouvée au rang 1",
    "hit_at_3": "section trouvée dans les 3 premiers",
    "hit_at_5": "section trouvée dans les 5 premiers",
    "mrr": "rang réciproque moyen (MRR)",
    "refusal_accuracy": "refus justes (hors corpus)",
    "false_refusal_rate": "refus à tort",
    "citation_validity": "citations valides",
    "key_fact_recall": "faits clés retrouvés",
    "pii_leak_rate": "fuites de données personnelles",
    "injection_flagged": "injections signalées",
    "french_answers": "réponses en français",
    "latency_p50_ms": "latence médiane (ms)",
    "latency_p95_ms": "latence p95 (ms)",
    "prompt_tokens": "jetons de prompt (moyenne)",
    "answer_tokens": "jetons de réponse (moyenne)",
}
KIND_LABELS = {
    "in_scope": "questions couvertes",
    "forbidden_use": "usages interdits",
    "pii": "avec données personnelles",
    "multi_turn": "conversations (relances)",
}


def draw_chart(history: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(9, 4.5), dpi=110)
    runs = list(range(1, len(history) + 1))
    for name in CHART_METRICS:
        values = [entry["metrics"].get(name, {}).get("value") for entry in history]
        if any(v is not None for v in values):
            axis.plot(runs, values, marker="o", label=LABELS_FR[name])
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_ylim(0, 1.05)
    axis.set_xlabel("exécution de la suite")
    axis.set_ylabel("valeur")
    axis.set_title("Qualité des réponses au fil des exécutions")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, loc="lower left")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def changed_items(previous: dict[str, Any], latest: dict[str, Any]) -> list[tuple[str, str]]:
    before, after = previous.get("items", {}), latest.get("items", {})
    changes = []
    for item_id in sorted(set(before) | set(after)):
        if item_id in before and item_id in after and before[item_id] != after[item_id]:
            changes.append((item_id, "amélioré" if after[item_id] else "dégradé"))
    return changes


def write_report(
    output_dir: Path,
    *,
    history_file: Path = HISTORY_FILE,
    comparison: list[dict[str, Any]] | None = None,
) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    history = read_history(history_file)
    lines = ["# Rapport de qualité de l'assistant", ""]
    if not history:
        lines.append("Aucune exécution enregistrée : lancez `pytest eval/`.")
        path = output_dir / "rapport-qualite.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    latest = history[-1]
    lines += [
        f"Dernière exécution : {latest['date']} (commit {latest['commit']}, profil "
        f"{latest['profile']}), modèle d'embeddings `{latest['models']['embedding_model_id']}`, "
        f"génération `{latest['models']['llm_in_use']}`.",
        f"Empreinte du corpus : `{latest['corpus_hash']}` — jeux de référence : "
        f"`{latest['dataset_hash']}`.",
        "",
        "| métrique | valeur | effectif | intervalle à 95 % |",
        "|---|---|---|---|",
    ]
    for name, metric in latest["metrics"].items():
        label = LABELS_FR.get(name, name)
        interval = (
            "—"
            if metric["low"] == metric["high"] == 0
            else f"{metric['low']:.3f} – {metric['high']:.3f}"
        )
        lines.append(f"| {label} | {metric['value']:.3f} | {metric['count']} | {interval} |")
    chart = output_dir / "tendance-qualite.png"
    draw_chart(history, chart)
    lines += ["", f"![Évolution des métriques]({chart.name})", ""]
    lines.append(f"## Historique ({len(history)} exécutions)")
    lines += [
        "",
        "| date | commit | profil | hit@5 | MRR | refus justes | refus à tort | changé |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for position in range(max(0, len(history) - 15), len(history)):
        entry, previous = history[position], history[position - 1] if position else None
        m = entry["metrics"]
        lines.append(
            f"| {entry['date'][:16]} | {entry['commit']} | {entry['profile']} | "
            f"{m.get('hit_at_5', {}).get('value', 0):.3f} | "
            f"{m.get('mrr', {}).get('value', 0):.3f} | "
            f"{m.get('refusal_accuracy', {}).get('value', 0):.3f} | "
            f"{m.get('false_refusal_rate', {}).get('value', 0):.3f} | "
            f"{_what_changed(previous, entry)} |"
        )
    lines.append(
        "\nUne ligne marquée « jeux » ou « corpus » ne se compare pas directement à la précédente."
    )
    lines += ["", "## Questions dont le résultat a changé depuis l'exécution précédente", ""]
    same_profile = [e for e in history[:-1] if e["profile"] == latest["profile"]]
    changes = changed_items(same_profile[-1], latest) if same_profile else []
    if changes:
        lines += [f"- `{item_id}` : {verdict}" for item_id, verdict in changes]
    else:
        lines.append("Aucune." if same_profile else "Pas d'exécution précédente du même profil.")
    for field, title, names in (
        ("kind", "Par type de question", KIND_LABELS),
        ("job", "Par métier", {}),
    ):
        groups = latest.get("breakdown", {}).get(field)
        if not groups:
            continue
        lines += [
            "",
            f"## {title} (dernière exécution, questions qui ont des sources)",
            "",
            "| groupe | questions | hit@5 | MRR | refus à tort |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {names.get(name, name)} | {g['count']} | {g['hit_at_5']:.3f} | {g['mrr']:.3f} | "
            f"{g['false_refusal_rate']:.3f} |"
            for name, g in groups.items()
            if g.get("count")
        ]
    lines += split_tables(latest)
    comparison = comparison if comparison is not None else latest.get("comparison")
    if comparison:
        lines += [
            "",
            "## Comparaison des configurations de recherche (même jeu de questions)",
            "",
            "| configuration | hit@1 | hit@5 | MRR | refus justes | refus à tort | défaut |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in comparison:
            lines.append(
                f"| {row['name']} | {row['hit_at_1']:.3f} | {row['hit_at_5']:.3f} | "
                f"{row['mrr']:.3f} | {row['refusal_accuracy']:.3f} | "
                f"{row['false_refusal_rate']:.3f} | {'oui' if row.get('default') else ''} |"
            )
        lines += [
            "",
            "Chaque modèle de plongements a sa barrière de refus (`RELEVANCE_MODELS`) ; un modèle "
            "sans barrière ajustée (dont le hachage des tests) prend la barrière générique, "
            "et ses colonnes de refus ne valent que pour elle.",
        ]
    path = output_dir / "rapport-qualite.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


STYLE_LABELS = {
    "corpus": "premiers jeux (mots du corpus)",
    "court": "court (2 à 5 mots)",
    "fautes": "fautes, SMS, accents manquants",
    "jargon": "jargon et sigles",
    "familier": "familier",
    "recit": "récit, question à la fin",
    "standard": "standard",
    "relance": "relances (conversations)",
}


def split_tables(entry: dict[str, Any]) -> list[str]:
    """Dev (réglages choisis dessus) and the frozen test split side by side, per style."""
    splits = entry.get("splits") or {}
    if not {"dev", "test"} <= set(splits):
        return []
    dev, test = splits["dev"]["style"], splits["test"]["style"]

    def cell(row: dict | None, name: str) -> str:
        return f"{row[name]:.2f}" if row and name in row else "—"

    lines = [
        "",
        "## Dev et test, par style de question",
        "",
        "Section attendue parmi les 5 sources montrées à l'agent (une question refusée n'en "
        "montre aucune), questions couvertes refusées à tort, questions hors corpus refusées. "
        "Les réglages sont choisis sur dev ; test est figé, écrit à l'aveugle.",
        "",
        "| style | dev : n | dev : sources | dev : refus à tort | dev : hors corpus refusées "
        "| test : n | test : sources | test : refus à tort | test : hors corpus refusées |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for style in sorted(set(dev) | set(test), key=lambda s: list(STYLE_LABELS).index(s)
                        if s in STYLE_LABELS else 99):
        d, t = dev.get(style), test.get(style)
        lines.append(
            f"| {STYLE_LABELS.get(style, style)} | {d.get('count', 0) if d else 0} | "
            f"{cell(d, 'shown_hit_at_5')} | {cell(d, 'false_refusal_rate')} | "
            f"{cell(d, 'refusal_accuracy')} | {t.get('count', 0) if t else 0} | "
            f"{cell(t, 'shown_hit_at_5')} | {cell(t, 'false_refusal_rate')} | "
            f"{cell(t, 'refusal_accuracy')} |"
        )
    d, t = splits["dev"]["metrics"], splits["test"]["metrics"]
    lines.append(
        f"| **tout** | {d['shown_hit_at_5']['count']} | {d['shown_hit_at_5']['value']:.2f} | "
        f"{d['false_refusal_rate']['value']:.2f} | {d['refusal_accuracy']['value']:.2f} | "
        f"{t['shown_hit_at_5']['count']} | {t['shown_hit_at_5']['value']:.2f} | "
        f"{t['false_refusal_rate']['value']:.2f} | {t['refusal_accuracy']['value']:.2f} |"
    )
    return lines


def _what_changed(previous: dict | None, entry: dict) -> str:
    """What makes a run incomparable with the one before: the golden sets or the corpus."""
    if previous is None:
        return ""
    changed = [
        label
        for key, label in (("dataset_hash", "jeux"), ("corpus_hash", "corpus"))
        if previous.get(key) != entry.get(key)
    ]
    return ", ".join(changed)
