"""Benchmark of the trainers' queue (prints numbers; not a test).

    .venv/bin/python eval/bench_queue.py [--questions 10000] [--data-dir DIR]
                                         [--database-url URL] [--repeat 5]

A temporary records database (SQLite, or the PostgreSQL of ``--database-url``) is seeded with
``--questions`` logged questions: refused, « passages proches » and answered ones (a tenth
voted down), and each eligible question's vector already stored, as the server leaves them
(the queue embeds a question once, when it first reads it). The vectors are the dev split's
real question embeddings, each logged question one of them plus noise (agents retyping the
same questions). Measured:

- ``first view``: grouping every stored question (leader clustering) and the view; paid once,
  then only by the questions that arrived since the last view;
- ``view``: ``QueueService.groups()`` with nothing new, p50/max over ``--repeat`` runs
  (target: under 2 s for 10,000 questions);
- ``view + 20 new``: the same with 20 new questions to embed first (the model's cost).

The corpus index gives the nearest sections: ``--data-dir`` names a data dir where the corpus
is already imported (`assistant ingest corpus/`), else it is imported into a temporary one
(minutes with the embedded model).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.offline import apply_offline_defaults  # noqa: E402

apply_offline_defaults()


def seed(container, count: int, rng: random.Random) -> int:
    """``count`` logged questions and their stored vectors; return how many are eligible."""
    from sqlalchemy import insert, select

    from assistant.evaluation.datasets import load_split
    from assistant.services.queue import to_bytes
    from assistant.storage.models import FeedbackRow, QuestionRow, QueueCursor, QueueQuestion

    embedder = container.embedder
    topics = sorted({item.question for item in load_split("dev")})
    vectors = np.asarray([embedder.get_query_embedding(q) for q in topics], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = datetime.now(UTC) - timedelta(days=60)
    questions, feedback, queued = [], [], []
    for i in range(count):
        topic = rng.randrange(len(topics))
        coverage = rng.choices(["refused", "partial", "answered"], [0.4, 0.3, 0.3])[0]
        question_id = uuid.uuid4().hex
        ts = start + timedelta(seconds=i * 500)
        text = f"{topics[topic]} ({i})"
        questions.append(
            {
                "ts": ts,
                "question_id": question_id,
                "data": {"scrubbed_question": text, "coverage": coverage},
            }
        )
        down = coverage == "answered" and rng.random() < 0.33
        if down:
            feedback.append({"ts": ts, "question_id": question_id, "vote": "down", "data": {}})
        if coverage != "answered" or down:
            noisy = vectors[topic] + np.asarray(
                [rng.gauss(0, 0.012) for _ in range(vectors.shape[1])], dtype=np.float32
            )
            queued.append(
                {
                    "ts": ts,
                    "question_id": question_id,
                    "text": text,
                    "coverage": coverage,
                    "down": down,
                    "model_id": container.embedding_model_id,
                    "vector": to_bytes(noisy),
                    "group_id": None,
                }
            )
    with container.database.session() as session:
        session.execute(insert(QuestionRow), questions)
        if feedback:
            session.execute(insert(FeedbackRow), feedback)
        rows = dict(session.execute(select(QuestionRow.question_id, QuestionRow.id)).all())
        for item in queued:
            item["question_row"] = rows[item["question_id"]]
        session.execute(insert(QueueQuestion), queued)
        last_feedback = max((r for r in session.scalars(select(FeedbackRow.id))), default=0)
        session.add(QueueCursor(name="questions", last_row=max(rows.values())))
        session.add(QueueCursor(name="feedback", last_row=last_feedback))
    return len(queued)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path, help="data dir with the corpus imported")
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: temp SQLite)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from assistant.container import Container
    from assistant.services.queue import QueueService
    from assistant.settings import load_settings

    scratch = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    data_dir = args.data_dir or scratch / "data"
    database = args.database_url or f"sqlite+pysqlite:///{scratch / 'queue.sqlite3'}"
    settings = load_settings(
        data_dir=data_dir,
        corpus_dir=ROOT / "corpus",
        llm={"backend": "extractive"},
        database={"url": database},
    )
    container = Container(settings)
    try:
        if not container.index.chunk_count():
            print("importing the corpus (embedded model: a few minutes)…", flush=True)
            container.ingestor.ingest_paths([ROOT / "corpus"])
        eligible = seed(container, args.questions, random.Random(17))
        service = QueueService(container)
        print(
            f"{args.questions} logged questions, {eligible} in the queue, "
            f"model {container.embedding_model_id}, {container.database.backend}"
        )
        started = time.perf_counter()
        groups = service.groups()
        first = time.perf_counter() - started
        print(f"first view (grouping all)  {first * 1000:8.0f} ms   {len(groups)} groups")
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            service.groups()
            times.append(time.perf_counter() - started)
        print(
            f"view                       {statistics.median(times) * 1000:8.0f} ms p50   "
            f"{max(times) * 1000:.0f} ms max   (target < 2000 ms)"
        )
        for i in range(20):
            container.records.questions.append(
                {
                    "question_id": uuid.uuid4().hex,
                    "scrubbed_question": f"Question {i} ?",
                    "coverage": "refused",
                }
            )
        started = time.perf_counter()
        service.groups()
        print(f"view + 20 new questions    {(time.perf_counter() - started) * 1000:8.0f} ms")
        sizes = sorted((g["count"] for g in groups), reverse=True)
        print(f"largest groups: {sizes[:5]}, median size {statistics.median(sizes):.0f}")
    finally:
        container.database.dispose()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
