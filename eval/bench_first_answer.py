"""From ``git clone`` to the first answer, as a new maintainer meets it: clone the repository,
``make run`` in the clone (a fresh virtualenv, the runtime dependencies only, the shipped corpus
imported into an empty index, then serving), and ask one question through the API as soon as
the server listens. Prints the time of each phase.

    python eval/bench_first_answer.py [--no-pip-cache] [--repo PATH]

``--no-pip-cache`` downloads every package from PyPI as a new machine would (otherwise pip's
cache of this machine is used). The clone and its data live in a temporary folder, removed at
the end. Also checks that no C/C++ compiler ran during the installation (the log of ``pip``
names no ``building wheel`` step).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Puis-je utiliser ChatGPT pour rédiger un courrier à un administré ?"


def _ask(port: int) -> dict | None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/ask",
        data=json.dumps({"question": QUESTION}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(ROOT), help="dépôt à cloner (défaut : celui-ci)")
    parser.add_argument("--no-pip-cache", action="store_true", help="tout télécharger de PyPI")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="premiere-reponse-"))
    env = {**os.environ, "ASSISTANT_SERVER__PORT": str(args.port)}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    if args.no_pip_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    log_path = work / "make-run.log"
    phases: dict[str, float] = {}
    started = time.perf_counter()
    server = None
    try:
        subprocess.run(["git", "clone", "--quiet", args.repo, str(work / "depot")], check=True)
        phases["clone_s"] = time.perf_counter() - started
        with log_path.open("w") as log:
            server = subprocess.Popen(
                ["make", "run"],
                cwd=work / "depot",
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            installed = served = None
            answer = None
            while answer is None:
                if server.poll() is not None:
                    print(log_path.read_text()[-3000:], file=sys.stderr)
                    return 1
                text = log_path.read_text(errors="replace")
                if installed is None and ".venv/bin/assistant doctor" in text:
                    installed = time.perf_counter() - started
                if served is None and '"serving"' in text:
                    served = time.perf_counter() - started
                if served is not None:
                    answer = _ask(args.port)
                time.sleep(0.5)
            phases["install_done_s"] = installed or float("nan")
            phases["serving_s"] = served
            phases["first_answer_s"] = time.perf_counter() - started
        text = log_path.read_text(errors="replace")
        compiled = re.findall(r"Building wheel for (\S+)", text)
        print(f"clone -> première réponse : {phases['first_answer_s']:.0f} s")
        for name, value in phases.items():
            print(f"  {name:16s} {value:8.1f}")
        print(f"  réponse : {answer.get('coverage')} ({len(answer.get('citations', []))} sources)")
        print(f"  paquets compilés pendant l'installation : {compiled or 'aucun'}")
        print(f"  cache pip : {'non' if args.no_pip_cache else 'oui'} ; cœurs : {os.cpu_count()}")
        return 0 if not compiled else 1
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
