"""A real Chroma server for tests: ``chroma run`` (the CLI the chromadb package ships) on a free
loopback port, with its data in a temporary folder; never a system service."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.servers.live_app import free_port


def chroma_binary() -> Path | None:
    """The ``chroma`` command beside this Python (the virtualenv's), or on the PATH."""
    beside = Path(sys.executable).parent / "chroma"
    if beside.exists():
        return beside
    found = shutil.which("chroma")
    return Path(found) if found else None


@contextlib.contextmanager
def running_chroma(path: Path, start_timeout_s: float = 60) -> Iterator[int]:
    """Start ``chroma run --path path`` on a free loopback port; yield the port."""
    import httpx

    binary = chroma_binary()
    if binary is None:
        raise RuntimeError("la commande chroma (paquet chromadb) est introuvable")
    port = free_port()
    log = open(path.parent / "chroma-server.log", "w")  # noqa: SIM115 - closed below
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CHROMA_TELEMETRY": "False"}
    process = subprocess.Popen(
        [str(binary), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"chroma run s'est arrêté (code {process.returncode})")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("le serveur Chroma n'a pas démarré")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
