"""Can one client stall the others? (prints numbers; not a test)

    .venv/bin/python eval/bench_heavy_history.py [--data-dir DIR] [--rounds 3]

Starts `assistant serve` (extractive answers) on loopback, then, in each round, sends three
requests of the largest size the API accepts (a 4,000-character question and twelve turns of
2,000 characters) from one client, and meanwhile one ordinary question from another. Before the
work per question was bounded, three 58 KB requests held an ordinary question 52.7 s instead of
about 0.1 s. Prints the ordinary question's latency with and without the heavy ones.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ORDINARY = "Puis-je coller le dossier d'un administré dans ChatGPT ?"


def heavy_body() -> dict:
    turn = ("Que faire après une fuite de données personnelles dans une mairie ? " * 40)[:2000]
    history = [{"role": "user" if n % 2 == 0 else "assistant", "content": turn} for n in range(12)]
    return {"question": ("Et ensuite, que faire ? " * 200)[:4000], "history": history}


async def ask(client: httpx.AsyncClient, body: dict) -> float:
    started = time.perf_counter()
    response = await client.post("/api/ask", json=body, timeout=300)
    response.raise_for_status()
    return time.perf_counter() - started


async def round_trip(base_url: str) -> tuple[float, float, list[float]]:
    async with httpx.AsyncClient(base_url=base_url) as alone:
        quiet = await ask(alone, {"question": ORDINARY})
    async with (
        httpx.AsyncClient(base_url=base_url) as heavy,
        httpx.AsyncClient(base_url=base_url) as other,
    ):
        heavy_tasks = [asyncio.create_task(ask(heavy, heavy_body())) for _ in range(3)]
        await asyncio.sleep(0.05)  # the heavy ones arrive first
        loaded = await ask(other, {"question": ORDINARY})
        heavy_times = await asyncio.gather(*heavy_tasks)
    return quiet, loaded, list(heavy_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=None, help="index à réutiliser")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-heavy-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_CORPUS_DIR=str(ROOT / "corpus"),
        ASSISTANT_LLM__BACKEND="extractive",
        # the benchmark asks more than a real agent would: no per-address quota here
        ASSISTANT_SERVER__RATE_LIMIT_PER_MINUTE="100000",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        for number in range(1, args.rounds + 1):
            quiet, loaded, heavy = asyncio.run(round_trip(base_url))
            print(
                f"tour {number} : question ordinaire seule {quiet * 1000:.0f} ms ; pendant trois "
                f"requêtes maximales {loaded * 1000:.0f} ms ; requêtes maximales "
                f"{min(heavy):.2f} à {max(heavy):.2f} s"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
