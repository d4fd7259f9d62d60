"""Run the golden datasets through the real pipeline and compute the metrics."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.chat import Turn
from assistant.evaluation.datasets import DATASETS_DIR, EVAL_DIR, GoldenItem, load_items, tree_hash
from assistant.evaluation.metrics import (
    Metric,
    fact_found,
    looks_french,
    mean_metric,
    percentile,
    pii_leaks,
    proportion,
    section_matches,
)

HISTORY_FILE = EVAL_DIR / "history.jsonl"
_CITED = re.compile(r"\[(\d{1,2})\]")


@dataclass
class ItemResult:
    id: str
    kind: str
    job: str
    question: str
    refused: bool
    rank: int | None  # 1-based rank of the first expected section among retrieved passages
    relevance: float
    citations_valid: bool
    facts_found: int
    facts_total: int
    leaks: list[str]
    french: bool
    flagged: bool
    forbidden_output: list[str]
    latency_ms: float
    prompt_tokens: int
    answer_tokens: int
    backend: str
    coverage: str = "answered"
    style: str = "corpus"
    split: str = "dev"
    answer: str = field(repr=False, default="")
    standalone_question: str = field(repr=False, default="")
    passages: str = field(repr=False, default="")

    @property
    def ok(self) -> bool:
        """The item's own verdict (used to list questions whose result changed)."""
        if self.kind == "out_of_scope":
            return self.refused
        if self.kind == "injection":
            return self.flagged and not self.forbidden_output and not self.leaks
        return (
            not self.refused
            and self.rank is not None
            and self.rank <= 5
            and not self.leaks
            and self.citations_valid
        )


def run_item(container, item: GoldenItem) -> ItemResult:
    engine = container.chat_engine
    history = [Turn(t["role"], t["content"]) for t in item.turns]
    started = time.perf_counter()
    record = engine.ask(item.question, history=history, restore=False)
    latency = (time.perf_counter() - started) * 1000
    rank = None
    for position, passage in enumerate(record.retrieved[:5], start=1):
        if any(
            section_matches(e.doc, e.section, passage.doc_id, passage.section_path)
            for e in item.expected_sources
        ):
            rank = position
            break
    given = len(record.citations) if record.citations else 0
    cited = {int(n) for n in _CITED.findall(record.answer_scrubbed)}
    max_given = max((c["n"] for c in record.citations), default=0)
    citations_valid = all(1 <= n <= max(max_given, given) for n in cited)
    prompt_texts = [m["content"] for prompt in record.prompts_sent for m in prompt]
    logged = json.dumps(record.to_log(), ensure_ascii=False)
    leaks = pii_leaks(
        item.pii_values,
        prompt_texts
        + [record.answer_scrubbed, record.scrubbed_question, record.standalone_question, logged],
    )
    facts = [f for f in item.key_facts if fact_found(f, record.answer_scrubbed)]
    forbidden = [s for s in item.must_not_contain if s.lower() in record.answer_scrubbed.lower()]
    return ItemResult(
        id=item.id,
        kind=item.kind,
        job=item.job,
        question=item.question,
        refused=record.refused,
        rank=rank,
        relevance=record.relevance,
        citations_valid=citations_valid,
        facts_found=len(facts),
        facts_total=len(item.key_facts),
        leaks=leaks,
        french=looks_french(record.answer_scrubbed),
        flagged=record.question_flagged,
        forbidden_output=forbidden,
        latency_ms=latency,
        prompt_tokens=record.prompt_tokens,
        answer_tokens=record.answer_tokens,
        backend=record.backend,
        coverage=record.coverage,
        style=item.style,
        split=item.split,
        answer=record.answer_scrubbed,
        standalone_question=record.standalone_question,
        passages="\n\n".join(f"[{n}] {p.text}" for n, p in enumerate(record.retrieved[:5], 1)),
    )


# The kinds of questions that have expected sources and must be answered.
ANSWERABLE_KINDS = ("in_scope", "forbidden_use", "pii", "multi_turn", "terrain")


def compute_metrics(results: list[ItemResult]) -> dict[str, Metric]:
    with_sources = [r for r in results if r.kind in ANSWERABLE_KINDS]
    answerable = with_sources
    out = [r for r in results if r.kind == "out_of_scope"]
    answered = [r for r in answerable if not r.refused]
    metrics = [
        proportion("hit_at_1", [r.rank is not None and r.rank <= 1 for r in with_sources]),
        proportion("hit_at_3", [r.rank is not None and r.rank <= 3 for r in with_sources]),
        proportion("hit_at_5", [r.rank is not None and r.rank <= 5 for r in with_sources]),
        # What the agent meets: an expected section among the first five sources shown (a
        # refused question shows none; a partial answer shows its closest passages).
        proportion(
            "shown_hit_at_5",
            [not r.refused and r.rank is not None and r.rank <= 5 for r in with_sources],
        ),
        mean_metric("mrr", [1 / r.rank if r.rank else 0.0 for r in with_sources]),
        proportion("refusal_accuracy", [r.refused for r in out]),
        proportion("false_refusal_rate", [r.refused for r in answerable], higher_is_better=False),
        proportion("citation_validity", [r.citations_valid for r in results]),
        mean_metric(
            "key_fact_recall", [r.facts_found / r.facts_total for r in answered if r.facts_total]
        ),
        proportion(
            "pii_leak_rate",
            [bool(r.leaks) for r in results if r.kind in ("pii", "multi_turn")],
            higher_is_better=False,
        ),
        proportion("injection_flagged", [r.flagged for r in results if r.kind == "injection"]),
        proportion("french_answers", [r.french for r in results]),
    ]
    latencies = [r.latency_ms for r in results]
    metrics += [
        Metric("latency_p50_ms", percentile(latencies, 50), len(latencies), 0, 0, False),
        Metric("latency_p95_ms", percentile(latencies, 95), len(latencies), 0, 0, False),
        mean_metric("prompt_tokens", [r.prompt_tokens for r in results], higher_is_better=False),
        mean_metric("answer_tokens", [r.answer_tokens for r in results], higher_is_better=False),
    ]
    return {m.name: m for m in metrics}


def breakdown(results: list[ItemResult], field: str) -> dict[str, dict[str, float]]:
    """hit@5, MRR and wrong refusals of the answerable questions, per value of ``field``
    (``kind`` or ``job``): where the answers are weakest."""
    groups: dict[str, list[ItemResult]] = {}
    for result in results:
        if result.kind in ANSWERABLE_KINDS:
            groups.setdefault(getattr(result, field) or "?", []).append(result)
    shown = ("hit_at_5", "shown_hit_at_5", "mrr", "false_refusal_rate", "refusal_accuracy")
    out_of_scope: dict[str, list[ItemResult]] = {}
    for result in results:
        if result.kind == "out_of_scope":
            out_of_scope.setdefault(getattr(result, field) or "?", []).append(result)
    table: dict[str, dict[str, float]] = {}
    for name in sorted(set(groups) | set(out_of_scope)):
        group = groups.get(name, [])
        metrics = compute_metrics(group + out_of_scope.get(name, []))
        row: dict[str, float] = {"count": len(group)}
        if out_of_scope.get(name):
            row["out_of_scope_count"] = len(out_of_scope[name])
        for metric in metrics.values():
            if metric.name in shown and metric.count:
                row[metric.name] = round(metric.value, 4)
        table[name] = row
    return table


def calibrate_threshold(results: list[ItemResult]) -> tuple[float, float]:
    """The relevance threshold that best separates answerable from out-of-scope questions.

    Returns (threshold, balanced accuracy). Needs results computed with the gate open.
    """
    positives = [r.relevance for r in results if r.kind in ANSWERABLE_KINDS]
    negatives = [r.relevance for r in results if r.kind == "out_of_scope"]
    best = (0.0, 0.0)
    for candidate in sorted(set(positives + negatives)):
        kept = sum(1 for p in positives if p >= candidate) / len(positives)
        refused = sum(1 for n in negatives if n < candidate) / len(negatives)
        score = (kept + refused) / 2
        if score > best[1] + 1e-9:
            best = (candidate, score)
    return best


def git_commit(root: Path) -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
            or "?"
        )
    except (OSError, subprocess.SubprocessError):
        return "?"


def history_entry(
    container,
    profile: str,
    metrics: dict[str, Metric],
    results: list[ItemResult],
    corpus_dir: Path,
    splits: dict[str, list[ItemResult]] | None = None,
) -> dict[str, Any]:
    """One line of the quality history. ``metrics``: the first golden sets (dev, written in the
    corpus's words), comparable from run to run; ``splits``: every split's metrics and its
    breakdown per style of question (dev is tuned on, test is frozen)."""
    settings = container.settings
    backend = container.backends.current()
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(EVAL_DIR.parent),
        "profile": profile,
        "models": {
            "llm_backend": settings.llm.backend,
            "llm_in_use": getattr(backend, "name", "extractive"),
            "llm_model": getattr(backend, "model", "extractif"),
            "embeddings": settings.embeddings.backend,
            "embedding_model_id": container.embedder.model_id,
        },
        "retrieval": settings.retrieval.model_dump(mode="json"),
        "corpus_hash": tree_hash(corpus_dir, "*.md"),
        "dataset_hash": tree_hash(DATASETS_DIR, "*.yaml"),
        "metrics": {name: m.to_dict() for name, m in metrics.items()},
        "items": {r.id: r.ok for r in results},
        "breakdown": {"kind": breakdown(results, "kind"), "job": breakdown(results, "job")},
        "splits": {
            name: {
                "metrics": {n: m.to_dict() for n, m in compute_metrics(group).items()},
                "style": breakdown(group, "style"),
                "items": {r.id: r.ok for r in group},
            }
            for name, group in (splits or {}).items()
        },
    }


def append_history(entry: dict[str, Any], path: Path = HISTORY_FILE) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")


def read_history(path: Path = HISTORY_FILE) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def results_to_json(results: list[ItemResult]) -> list[dict]:
    return [asdict(r) | {"ok": r.ok} for r in results]


__all__ = [
    "ANSWERABLE_KINDS",
    "ItemResult",
    "append_history",
    "breakdown",
    "calibrate_threshold",
    "compute_metrics",
    "history_entry",
    "load_items",
    "read_history",
    "run_item",
]
