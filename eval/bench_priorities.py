"""Speed of the priority use cases over a seeded records' database (SQLite, temporary).

    .venv/bin/python eval/bench_priorities.py [--questions 10000] [--retours 400] [--runs 5]
                                              [--postgresql] [--json]

Seeds a fresh SQLite database with logged questions shaped as the server logs them (citations
of cas-usage sections or of the charter, job, session key, coverage, personal data found) and
retours of every status (texts taken from the sheets, so that they map to a use case), then
times ``compute_priorities`` (database read, mapping, scores): the first run (the use-case
catalog built from the corpus) and the next ones. Target: under 2 s for 10,000 questions.
``--postgresql``: the same on a throwaway PostgreSQL server (Debian's binaries, as the tests'
``postgres_url`` fixture starts it) instead of SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 2.0
SEED = 20_261_202


def _container(data_dir: Path, database_url: str = ""):
    from assistant.container import Container
    from assistant.settings import load_settings

    settings = load_settings(
        _env_file=None,
        data_dir=data_dir,
        corpus_dir=ROOT / "corpus",
        embeddings={"backend": "hashing"},
        llm={"backend": "extractive"},
        database={"url": database_url},
    )
    return Container(settings)


def seed(container, questions: int, retours: int) -> None:
    """``questions`` logged questions over the last 60 days and ``retours`` retours."""
    from sqlalchemy import insert

    from assistant.services.jobs import JOBS
    from assistant.services.priorities import read_use_cases
    from assistant.storage.models import RetourRow
    from assistant.storage.records import format_ts

    rng = random.Random(SEED)
    sections = read_use_cases(ROOT / "corpus" / "cas-usage")
    jobs = [*JOBS, None]
    charter = [
        "Article 4 – Usages interdits de l'IA",
        "Article 5 – Données personnelles et données confidentielles",
        "Article 7 – Contrôle humain et responsabilité de l'agent",
    ]
    now = datetime.now(UTC)
    entries = []
    for n in range(questions):
        use_case, _ = rng.choice(sections)
        if rng.random() < 0.6:
            first = {"doc_id": use_case.doc_id, "section": use_case.section, "theme": "cas-usage"}
        else:
            first = {"doc_id": "charte-ia", "section": rng.choice(charter), "theme": "charte"}
        coverage = rng.choices(["answered", "partial", "refused"], [0.75, 0.15, 0.1])[0]
        entries.append(
            {
                "ts": format_ts(now - timedelta(minutes=rng.randrange(60 * 24 * 60))),
                "question_id": f"{n:032x}",
                "scrubbed_question": "Puis-je utiliser l'IA pour préparer ce document ?",
                "citations": [] if coverage == "refused" else [first],
                "coverage": coverage,
                "refused": coverage == "refused",
                "finding_types": ["PERSONNE"] if rng.random() < 0.1 else [],
                "question_flagged": rng.random() < 0.01,
                "job": rng.choice(jobs),
                "session": f"{rng.randrange(3000):016x}",
                "channel": "interface",
            }
        )
    records = container.records
    with container.database.session() as session:
        session.execute(
            insert(records.questions.model), [records.questions.row_values(e) for e in entries]
        )
        rows = []
        for _ in range(retours):
            use_case, text = rng.choice(sections)
            lines = [line[2:] for line in text.splitlines() if line.startswith("- ")] or [text]
            moment = now - timedelta(days=rng.randrange(60))
            rows.append(
                {
                    "ts": moment, "updated_at": moment,
                    "status": rng.choice(["nouveau", "publie", "rejete", "fusionne"]),
                    "job": rng.choice(list(JOBS)), "task": use_case.section,
                    "tool": rng.choice(["assistant-syndicat", "suite-bureautique", "autre"]),
                    "result": rng.choice(["gain-de-temps", "qualite", "sans-effet", "abandonne"]),
                    "time_saved_minutes": rng.choice([None, 15, 30, 60]),
                    "risk": rng.choice(["", "Données personnelles collées par erreur."]),
                    "description": rng.choice(lines), "finding_types": [],
                    "contact_consent": rng.random() < 0.5, "merged_into": None,
                }
            )  # fmt: skip
        session.execute(insert(RetourRow), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--retours", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database_url = ""
        if args.postgresql:
            from tests.servers.postgres import find_binaries, running_postgres

            bin_dir = find_binaries()
            if bin_dir is None:
                sys.exit("PostgreSQL absent : apt-get install postgresql")
            server = stack.enter_context(running_postgres(bin_dir))
            database_url = server.url(server.create_database())
        report = run(args, database_url)
    if args.json:
        print(json.dumps(report))
        return
    print(
        f"{report['questions']} questions, {report['retours']} retours -> "
        f"{report['items']} lignes (métier × cas d'usage) sur {report['database']} ; base "
        f"remplie en {report['seed_s']} s"
    )
    print(
        f"compute_priorities : 1er appel {report['first_s']} s (catalogue des fiches compris), "
        f"médiane {report['median_s']} s, max {report['max_s']} s sur {args.runs} appels "
        f"(cible < {TARGET_S} s) ; temps processeur médian {report['median_cpu_s']} s"
    )


def run(args: argparse.Namespace, database_url: str) -> dict:
    """Seed a fresh database (SQLite in a temporary folder, or ``database_url``), then time
    ``compute_priorities`` ``args.runs`` times."""

    from assistant.services.priorities import compute_priorities

    with tempfile.TemporaryDirectory(prefix="bench-priorities-") as folder:
        container = _container(Path(folder), database_url)
        # The use cases are the indexed sheets' sections, as on a server.
        container.ingestor.ingest_paths([ROOT / "corpus" / "cas-usage"])
        started = time.perf_counter()
        seed(container, args.questions, args.retours)
        seeded_s = time.perf_counter() - started
        timings, cpu, result = [], [], None
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = compute_priorities(container)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        container.database.dispose()
    report = {
        "questions": args.questions,
        "retours": args.retours,
        "items": len(result["items"]) if result else 0,
        "seed_s": round(seeded_s, 2),
        "first_s": round(timings[0], 3),
        "median_s": round(statistics.median(timings), 3),
        "max_s": round(max(timings), 3),
        # CPU time of this process: what the wall time would be on an idle core.
        "median_cpu_s": round(statistics.median(cpu), 3),
        "target_s": TARGET_S,
        "database": "PostgreSQL" if database_url else "SQLite",
    }
    return report


if __name__ == "__main__":
    main()
