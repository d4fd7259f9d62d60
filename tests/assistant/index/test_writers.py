"""Several processes on one index, as on a server: an import in progress (paused midway by a
slow embedding model) while a trainer runs other commands, and an import killed with -9.

Every process is real (``python -m assistant …``), on real Chroma and real files; the only double
is the embedding model of the importing process, which pauses between two batches."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.assistant.ingestion.test_pipeline import write_doc

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
BATCH = 16
SECTIONS = 80

# `assistant ingest`, its embedding model paused after two batches (32 passages written to
# Chroma, not yet committed) until the test creates the file "resume".
PAUSED_INGEST = """
import os, sys
from pathlib import Path

import assistant.embeddings
from assistant.providers import embedding_backends
from tests.doubles import FileGate, PausingEmbedding

@embedding_backends.register("pausing", "hachage mis en pause en cours d'import (tests)")
def _pausing(settings):
    gate = FileGate(Path(os.environ["PAUSE_DIR"]), after=2)
    return PausingEmbedding(gate, embed_batch_size=settings.embeddings.batch_size)

from assistant.cli import app
app(["ingest", *sys.argv[1:], "--json"])
"""


def long_doc(folder: Path, doc_id: str, sections: int = SECTIONS) -> Path:
    body = "".join(
        f"## Règle {i}\nL'agent relit le texte numéro {i} produit par une IA avant de "
        "le diffuser.\n\n"
        for i in range(sections)
    )
    return write_doc(folder, doc_id, body)


@pytest.fixture
def env(data_dir) -> dict[str, str]:
    return {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_EMBEDDINGS__BACKEND": "hashing",
        "ASSISTANT_LLM__BACKEND": "extractive",
        "ASSISTANT_EMBEDDINGS__BATCH_SIZE": str(BATCH),
        "PYTHONPATH": str(ROOT),
    }


def assistant(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def as_json(result: subprocess.CompletedProcess):
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return json.loads(result.stdout)


def doctor_counts(env: dict[str, str]) -> tuple[str, str]:
    checks = {c["name"]: c["detail"] for c in as_json(assistant(env, "doctor", "--json"))["checks"]}
    return checks["base vectorielle"], checks["corpus"]


def start_paused_import(env: dict[str, str], pause: Path, *paths: Path) -> subprocess.Popen:
    pause.mkdir()
    writer = subprocess.Popen(
        [sys.executable, "-c", PAUSED_INGEST, *map(str, paths)],
        env={**env, "ASSISTANT_EMBEDDINGS__BACKEND": "pausing", "PAUSE_DIR": str(pause)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not (pause / "paused").exists():
        if writer.poll() is not None:
            pytest.fail(f"the import ended before its pause: {writer.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            writer.kill()
            pytest.fail("the import never reached its pause")
        time.sleep(0.05)
    return writer


def chroma_state(settings, doc_id: str) -> tuple[int, int, int]:
    """(passages the manifest lists for ``doc_id``, of those found in Chroma, Chroma's total)."""
    from assistant.container import Container

    container = Container(settings)
    record = container.index.manifest.get(doc_id)
    listed = list(record.chunk_ids) if record else []
    return len(listed), len(container.vector_store.get(listed)), container.vector_store.count()


def test_commands_run_during_an_import_leave_its_passages_alone(settings, env, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    other = write_doc(docs, "autre-fiche", "## Sobriété\nPréférez le plus petit outil.\n")
    assert as_json(assistant(env, "ingest", str(other), "--json"))[0]["status"] == "indexed"
    big = long_doc(docs, "longue-fiche")

    writer = start_paused_import(env, tmp_path / "pause", big)
    try:
        # 32 passages of "longue-fiche" are in Chroma, not yet in the manifest.
        assert [d["doc_id"] for d in as_json(assistant(env, "docs", "list", "--json"))] == [
            "autre-fiche"
        ]
        assert as_json(assistant(env, "docs", "show", "autre-fiche", "--json"))["sections"]
        stored, corpus = doctor_counts(env)
        assert "import en cours dans un autre processus" in corpus, corpus
        # A second writer does not repair under the running import either: a server starting
        # now, or a trainer removing a document.
        from assistant.container import Container

        assert Container(settings).index.try_repair() is None
        removed = assistant(env, "docs", "remove", "autre-fiche", "--json")
        assert removed.returncode == 0, removed.stderr[-2000:]
        assert json.loads(removed.stdout) == {"removed": True, "doc_id": "autre-fiche"}
        (tmp_path / "pause" / "resume").touch()
        out, err = writer.communicate(timeout=300)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, err[-2000:]
    assert json.loads(out)[0]["chunks"] == SECTIONS

    listed, found, total = chroma_state(settings, "longue-fiche")
    assert (listed, found, total) == (SECTIONS, SECTIONS, SECTIONS)
    # The removal made meanwhile by another process stays made: the import's commit reloaded
    # the manifest instead of writing back the copy it had read before.
    listing = as_json(assistant(env, "docs", "list", "--json"))
    assert [(d["doc_id"], d["chunks"]) for d in listing] == [("longue-fiche", SECTIONS)]


def test_an_import_killed_midway_is_repaired_by_the_next_writer_only(settings, env, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    big = long_doc(docs, "longue-fiche")
    writer = start_paused_import(env, tmp_path / "pause", big)
    os.kill(writer.pid, signal.SIGKILL)
    writer.communicate(timeout=60)
    assert writer.returncode == -signal.SIGKILL

    # Readers report what the dead writer left, and leave it: what they show stays true.
    for _ in range(2):
        stored, corpus = doctor_counts(env)
        assert stored.endswith(", 32 passages"), stored
        assert "32 passages laissés par un import interrompu" in corpus, corpus
        assert as_json(assistant(env, "docs", "list", "--json")) == []
    assert chroma_state(settings, "longue-fiche") == (0, 0, 32)

    # The next writer repairs before it writes, then the doctor shows the repaired counts.
    small = write_doc(docs, "petite-fiche", "## Sobriété\nPréférez le plus petit outil.\n")
    assert as_json(assistant(env, "ingest", str(small), "--json"))[0]["status"] == "indexed"
    stored, corpus = doctor_counts(env)
    assert stored.endswith(", 1 passages"), stored
    assert corpus.endswith("1 documents indexés, 0 en quarantaine, 1 passages"), corpus

    outcome = as_json(assistant(env, "ingest", str(big), "--json"))[0]
    assert (outcome["status"], outcome["chunks"]) == ("indexed", SECTIONS)
    assert chroma_state(settings, "longue-fiche") == (SECTIONS, SECTIONS, SECTIONS + 1)
