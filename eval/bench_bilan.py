"""Time of `assistant bilan` over 10,000 logged questions, for each format.

    .venv/bin/python eval/bench_bilan.py [--questions 10000] [--json]

Seeds a temporary SQLite records database (questions spread over 90 days, a fifth of them
with a vote), then runs the real command ``python -m assistant bilan --from … --to …
--format F --out …`` in a subprocess for each format and prints its wall time (interpreter
start and imports included) and the CPU time it used (on a machine shared with other work,
the wall time grows with the load while the CPU time stays), plus the in-process split:
gathering the figures, then drawing the charts and writing the file. Target: under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 10.0
START, END, DAYS = date(2026, 9, 1), date(2026, 11, 29), 90
SUFFIX = {"odt": ".odt", "docx": ".docx", "pdf": ".pdf", "md": ".zip"}


def _environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_LLM__BACKEND="extractive",
        PYTHONPATH=str(ROOT),
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]

    from assistant.bilan import Period, gather_bilan, render_bilan
    from assistant.container import Container
    from assistant.settings import load_settings
    from eval.bilan_seed import insert_entries, question_entries, vote_entries

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-bilan-") as tmp:
        folder = Path(tmp)
        env = _environment(folder / "data")
        settings = load_settings(
            _env_file=None, data_dir=folder / "data", llm={"backend": "extractive"}
        )
        container = Container(settings)
        questions = question_entries(args.questions, datetime(2026, 9, 1, 6, tzinfo=UTC), DAYS - 2)
        insert_entries(container.records, questions, vote_entries(questions))
        period = Period(START, END)
        started = time.perf_counter()
        data = gather_bilan(container, period)
        gather_s = time.perf_counter() - started
        assert data.usage.questions == args.questions, data.usage.questions
        container.database.dispose()
        for fmt in ("odt", "docx", "pdf", "md"):
            out = folder / f"bilan{SUFFIX[fmt]}"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "assistant",
                    "bilan",
                    "--from",
                    START.isoformat(),
                    "--to",
                    END.isoformat(),
                    "--format",
                    fmt,
                    "--out",
                    str(out),
                ],
                env=env,
                cwd=tmp,
                check=True,
                capture_output=True,
                timeout=300,
            )
            command_s = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            started = time.perf_counter()
            render_bilan(data, fmt, folder / f"again{SUFFIX[fmt]}")
            render_s = time.perf_counter() - started
            results[fmt] = {
                "command_s": round(command_s, 2),
                "command_cpu_s": round(cpu_s, 2),
                "gather_s": round(gather_s, 2),
                "render_s": round(render_s, 2),
                "bytes": out.stat().st_size,
            }
    if args.json:
        print(
            json.dumps({"questions": args.questions, "target_s": TARGET_S, "load": load, **results})
        )
        return
    print(
        f"assistant bilan sur {args.questions} questions enregistrées (SQLite), cible < "
        f"{TARGET_S:.0f} s par format"
    )
    print(f"charge moyenne de la machine au départ : {load:.1f} (2 cœurs)")
    print(
        f"{'format':<7}{'commande (s)':>14}{'dont CPU (s)':>14}{'collecte (s)':>14}"
        f"{'rendu (s)':>11}{'octets':>10}"
    )
    for fmt, row in results.items():
        verdict = "" if row["command_s"] < TARGET_S else "  AU-DESSUS DE LA CIBLE"
        print(
            f"{fmt:<7}{row['command_s']:>14.2f}{row['command_cpu_s']:>14.2f}"
            f"{row['gather_s']:>14.2f}"
            f"{row['render_s']:>11.2f}{row['bytes']:>10}{verdict}"
        )


if __name__ == "__main__":
    main()
