"""Pipeline benchmark (prints numbers; not a test).

    .venv/bin/python eval/bench_pipeline.py [--chunks 100000]

The pipeline's own time without LLM generation — scrub, embed, hybrid retrieval, prompt —
at p50/p95 over the golden questions, on the bundled corpus and on a synthetic corpus of
100,000 chunks (real corpus sentences recombined; vectors are the real chunk vectors with
noise, since embedding 100,000 chunks with the CPU model would take hours: retrieval cost is
what this measures). Targets on 2 cores: p95 < 60 ms (bundled), < 150 ms (100,000 chunks).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation.metrics import percentile  # noqa: E402
from assistant.offline import apply_offline_defaults  # noqa: E402

apply_offline_defaults()


def measure(container, questions: list[str]) -> dict[str, list[float]]:
    from assistant.prompts import answer_messages
    from guardrails.injection import wrap_untrusted

    stages: dict[str, list[float]] = {"scrub": [], "retrieve": [], "prompt": [], "total": []}
    vault = container.vaults.get("bench")
    for question in questions:
        t0 = time.perf_counter()
        scrubbed = container.question_scrubber.scrub(question, vault).text
        t1 = time.perf_counter()
        result = container.retriever.retrieve(scrubbed)
        t2 = time.perf_counter()
        wrapped = wrap_untrusted([p.text for p in result.passages])
        answer_messages(scrubbed, wrapped.text, wrapped.instruction)
        t3 = time.perf_counter()
        for name, value in (("scrub", t1 - t0), ("retrieve", t2 - t1), ("prompt", t3 - t2),
                            ("total", t3 - t0)):
            stages[name].append(value * 1000)
    return stages


def report(title: str, stages: dict[str, list[float]]) -> None:
    print(title)
    for name, values in stages.items():
        print(f"  {name:9s} p50 {percentile(values, 50):7.1f} ms   "
              f"p95 {percentile(values, 95):7.1f} ms")


def synthetic_corpus(container, target: int) -> None:
    """Fill the index up to ``target`` chunks from recombined real sentences and vectors."""
    from assistant.index.manifest import DocumentRecord

    index = container.index
    real = index.get_chunks(sorted(index.manifest.active_chunk_ids))
    vectors = index.vectors.collection.get(ids=[c.chunk_id for c in real],
                                           include=["embeddings"])["embeddings"]
    sentences = [s for c in real for s in c.text.split(". ") if len(s.split()) > 5]
    rng = random.Random(7)
    nprng = np.random.default_rng(7)
    missing = target - len(real)
    batch = 2000
    started = time.perf_counter()
    for start in range(0, missing, batch):
        size = min(batch, missing - start)
        ids = [f"synth-{start + i:06d}" for i in range(size)]
        picks = nprng.integers(0, len(real), size)
        base = np.asarray(vectors)[picks]
        noisy = base + nprng.normal(0, 0.02, base.shape)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        texts = [". ".join(rng.sample(sentences, 4)) for _ in range(size)]
        metas = [{"doc_id": f"synthetique-{(start + i) // 50}", "title": "Document synthétique",
                  "section": f"Section {i % 50}", "section_path": f"Section {i % 50}",
                  "page": -1, "theme": "charte", "version": "1", "ordinal": i}
                 for i in range(size)]
        index.vectors.upsert(ids, noisy.tolist(), texts, metas)
        index.manifest.commit(put=DocumentRecord(
            doc_id=f"synthetique-lot-{start}", sha256=f"synthetic-{start}", title="Synthétique",
            theme="charte", version="1", source_name="synthetique", format="md",
            status="indexed", ingested_at="2026-11-28", chunk_ids=ids))
    index.rebuild_lexical()
    print(f"corpus synthétique : {index.chunk_count()} passages construits en "
          f"{time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    args = parser.parse_args()

    from assistant.container import Container
    from assistant.evaluation.datasets import load_items
    from assistant.settings import load_settings

    # No question-embedding cache: the same questions are asked in every pass, and each must
    # cost its embedding as a new question would.
    container = Container(load_settings(
        data_dir=Path(tempfile.mkdtemp(prefix="bench-pipeline-")), llm={"backend": "extractive"},
        retrieval={"query_cache_size": 0}))
    container.ingestor.ingest_paths([ROOT / "corpus"])
    container.question_scrubber.warm_up()
    questions = [i.question for i in load_items() if i.kind in ("in_scope", "out_of_scope")]
    measure(container, questions[:10])  # warm-up
    report(f"corpus livré ({container.index.chunk_count()} passages, {len(questions)} questions)",
           measure(container, questions))
    if args.chunks > container.index.chunk_count():
        synthetic_corpus(container, args.chunks)
        measure(container, questions[:10])
        report(f"corpus synthétique ({container.index.chunk_count()} passages)",
               measure(container, questions))


if __name__ == "__main__":
    main()
