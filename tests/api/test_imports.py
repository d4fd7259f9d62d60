"""Large imports in the background (``/api/imports``), on a real server, real Chroma and a real
large file: a removal and the answers do not wait behind an import, cancelling leaves the index
as it was, and a document with too many passages is refused with a French message.

The server's embedding model is the hashing one, paused between two batches by the test (a
gate, like a slow model caught midway): the assertions follow the order of events, not time."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import build_container, ingest_documents, serve
from tests.doubles import EventGate, PausingEmbedding

pytestmark = pytest.mark.slow

BATCH = 16
LARGE = 1500  # passages of the large document, under the default limit of 2,000


def large_markdown(doc_id: str, sections: int, *, words: str = "") -> bytes:
    """A valid Markdown document of ``sections`` short sections (one passage each)."""
    head = f'---\nid: {doc_id}\ntitle: Recueil {doc_id}\ntheme: cas-usage\nversion: "1"\n---\n'
    body = "".join(
        f"\n## Cas {i}\n\nLe service {i} vérifie {words}chaque texte produit par une IA avant "
        "de le publier.\n"
        for i in range(sections)
    )
    return (head + f"# Recueil {doc_id}\n" + body).encode()


@pytest.fixture(scope="module")
def gate() -> EventGate:
    return EventGate()


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_scrubber, gate):
    container = build_container(
        tmp_path_factory.mktemp("imports-data"),
        shared_scrubber,
        embeddings={"batch_size": BATCH},
    )
    container.__dict__["embedder"] = PausingEmbedding(gate, embed_batch_size=BATCH)
    ingest_documents(container)
    with serve(container) as live:
        yield live


@pytest.fixture
def released(gate) -> Iterator[EventGate]:
    """The gate, opened again at the end of the test whatever happens."""
    yield gate
    gate.armed_after = None
    gate.resume.set()


def snapshot(server) -> tuple:
    index = server.container.index
    return (
        sorted((d.doc_id, tuple(d.chunk_ids)) for d in index.documents()),
        index.vectors.count(),
        len(index.lexical),
    )


def finished(trainer: httpx.Client, url: str) -> dict:
    while True:
        job = trainer.get(url).json()
        if job["state"] == "finished":
            return job
        time.sleep(0.1)


def test_a_removal_and_answers_do_not_wait_behind_a_large_import(
    trainer, client, server, released
):
    released.arm(after=3)
    response = trainer.post(
        "/api/documents",
        files=[("files", ("recueil.md", large_markdown("recueil", LARGE), "text/markdown"))],
    )
    assert response.status_code == 202, response.text
    (job,) = response.json()
    assert job["status"] in ("queued", "running")
    assert job["url"] == f"/api/imports/{job['import_id']}"
    assert job["message"].startswith("Import de « recueil.md »")
    assert released.paused.wait(300), "the import never reached its embeddings"

    # The import is stopped midway through its embeddings (3 batches written, not committed).
    running = trainer.get(job["url"]).json()
    assert running["status"] == "running"
    assert running["progress"] == {
        "stage": "embedding",
        "stage_fr": "calcul des plongements",
        "done": 3 * BATCH,
        "total": LARGE,
        "percent": 3,
    }
    assert [j["import_id"] for j in trainer.get("/api/imports").json()][0] == job["import_id"]

    removed = trainer.delete("/api/documents/fiche-sobriete")
    assert removed.status_code == 200, removed.text
    assert removed.json()["removed"] is True
    answer = client.post("/api/ask", json={"question": "Quelle longueur pour un mot de passe ?"})
    assert answer.status_code == 200
    assert any(c["doc_id"] == "fiche-mots-de-passe" for c in answer.json()["citations"])
    # Both came back while the import still waited at its gate.
    assert not released.resume.is_set()
    assert trainer.get(job["url"]).json()["status"] == "running"

    released.resume.set()
    done = finished(trainer, job["url"])
    assert (done["status"], done["chunks"]) == ("indexed", LARGE), done["message"]
    assert done["progress"]["stage_fr"] == "terminé"
    index = server.container.index
    assert index.manifest.get("fiche-sobriete") is None
    assert len(index.manifest.get("recueil").chunk_ids) == LARGE
    assert index.vectors.count() == index.chunk_count()


def test_cancelling_an_import_leaves_the_index_as_it_was(trainer, server, released):
    before = snapshot(server)
    released.arm(after=2)
    response = trainer.post(
        "/api/documents",
        params={"wait_s": 0},
        files=[("files", ("annule.md", large_markdown("annule", 400), "text/markdown"))],
    )
    assert response.status_code == 202
    url = response.json()[0]["url"]
    assert released.paused.wait(300)

    cancel = trainer.delete(url)
    assert cancel.status_code == 202, cancel.text
    assert cancel.json()["cancel_requested"] is True
    assert cancel.json()["status_fr"] == "annulation demandée"
    released.resume.set()
    done = finished(trainer, url)
    assert (done["status"], done["status_fr"]) == ("cancelled", "annulé")
    assert done["message"] == "Import de « annule.md » annulé : le corpus n'a pas changé."
    assert snapshot(server) == before

    again = trainer.delete(url)
    assert again.status_code == 409
    assert again.json()["detail"].startswith("L'import de « annule.md » est déjà terminé")
    assert trainer.get("/api/imports/inconnu").status_code == 404


def test_a_queued_import_is_cancelled_before_it_starts(trainer, server, released):
    before = snapshot(server)
    released.arm(after=1)
    first = trainer.post(
        "/api/documents",
        params={"wait_s": 0},
        files=[("files", ("devant.md", large_markdown("devant", 40), "text/markdown"))],
    ).json()[0]
    second = trainer.post(
        "/api/documents",
        params={"wait_s": 0},
        files=[("files", ("derriere.md", large_markdown("derriere", 40), "text/markdown"))],
    ).json()[0]
    assert released.paused.wait(300)
    assert trainer.get(second["url"]).json()["status"] == "queued"
    for job in (second, first):
        cancelled = trainer.delete(job["url"])
        assert cancelled.status_code in (200, 202)
    assert trainer.get(second["url"]).json()["status"] == "cancelled"  # at once: never started
    released.resume.set()
    assert finished(trainer, first["url"])["status"] == "cancelled"
    assert snapshot(server) == before


def test_a_document_with_too_many_passages_is_refused_in_french(trainer, server):
    before = snapshot(server)
    data = large_markdown("trop-long", 2500)
    response = trainer.post(
        "/api/documents",
        params={"wait_s": 120},
        files=[("files", ("trop-long.md", data, "text/markdown"))],
    )
    assert response.status_code == 200, response.text
    (outcome,) = response.json()
    assert (outcome["status"], outcome["error_code"]) == ("failed", "too_many_passages")
    assert outcome["message"] == (
        "« trop-long.md » donnerait 2\u00a0500 passages, plus que la limite de 2\u00a0000 "
        "passages par document (ASSISTANT_INGESTION__MAX_PASSAGES) : découpez-le en plusieurs "
        "documents. Rien n'a été importé."
    )
    assert snapshot(server) == before
