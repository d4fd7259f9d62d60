"""Two replicas, each with its own data dir, on one Chroma and one database: what one imports,
replaces or removes reaches the other's answers through the shared generation, with no
restart. Real Chroma, real SQLite and PostgreSQL, the hashing embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from assistant.index.corpus_index import SHARED_ORPHAN_GRACE_S
from tests.servers.live_app import DOCUMENTS

DISTINCT = """---
id: fiche-zephyrin
title: Fiche zéphyrin
theme: charte
version: "1"
---
# Le protocole zéphyrin

## Règle du zéphyrin

Le protocole zéphyrin impose de relire trois fois chaque texte généré avant envoi.
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request, tmp_path) -> str:
    """One records' database for both replicas: a SQLite file outside their data dirs, or
    PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def replicas(tmp_path, shared_url, shared_scrubbers):
    from assistant.container import Container
    from assistant.index.vector_store import ChromaVectorStore
    from assistant.settings import load_settings

    built = []
    for name in ("a", "b"):
        settings = load_settings(
            data_dir=tmp_path / f"data-{name}",
            corpus_dir=Path(__file__).resolve().parents[3] / "corpus",
            embeddings={"backend": "hashing"},
            llm={"backend": "extractive"},
            retrieval={"min_relevance": 0.0},
            database={"url": shared_url},
            privacy={"vault_key": "k" * 40},
        )
        container = Container(settings)
        # One Chroma for both, as a Chroma server would be (its files outside both data dirs).
        container.__dict__["vector_store"] = ChromaVectorStore(
            model_id=container.embedder.model_id, data_dir=tmp_path / "chroma-shared"
        )
        container.__dict__["question_scrubber"] = shared_scrubbers(True)
        container.__dict__["document_scrubber"] = shared_scrubbers(True)
        # What the container sets with a Chroma server (ASSISTANT_CHROMA__HOST).
        container.index.orphan_grace_s = SHARED_ORPHAN_GRACE_S
        built.append(container)
    yield built
    for container in built:
        container.database.dispose()


def cited(container, question: str) -> set[str]:
    return {p.doc_id for p in container.retriever.retrieve(question).passages}


def test_an_import_through_one_replica_is_cited_by_the_other_after_refresh(replicas):
    a, b = replicas
    a.ingestor.ingest_bytes("charte-ia.md", DOCUMENTS["charte-ia.md"].encode())
    assert "charte-ia" not in cited(b, "coller le dossier d'un administré dans ChatGPT")
    assert b.index.refresh()
    assert "charte-ia" in cited(b, "coller le dossier d'un administré dans ChatGPT")
    generation = a.corpus_state.generation()

    outcome = a.ingestor.ingest_bytes("fiche-zephyrin.md", DISTINCT.encode())
    assert outcome.status == "indexed", outcome.message
    assert a.corpus_state.generation() == generation + 1
    assert "fiche-zephyrin" not in cited(b, "protocole zéphyrin")  # not yet taken in

    assert b.index.refresh()
    assert "fiche-zephyrin" in cited(b, "protocole zéphyrin")
    assert not b.index.refresh()  # nothing moved since

    # Removed through B: A stops citing it once it has refreshed.
    assert b.index.remove_document("fiche-zephyrin") is not None
    assert a.index.refresh()
    assert "fiche-zephyrin" not in cited(a, "protocole zéphyrin")
    assert a.index.manifest.get("fiche-zephyrin") is None


def test_a_replacement_reaches_the_other_replica(replicas):
    a, b = replicas
    a.ingestor.ingest_bytes("fiche-zephyrin.md", DISTINCT.encode())
    b.index.refresh()
    b.index.lexical  # noqa: B018 - built before the change, as on a serving replica
    replaced = DISTINCT.replace('version: "1"', 'version: "2"').replace(
        "relire trois fois", "faire valider par le délégué aux glycines"
    )
    assert a.ingestor.ingest_bytes("fiche-zephyrin.md", replaced.encode()).status == "replaced"
    assert b.index.refresh()
    passages = b.retriever.retrieve("délégué aux glycines").passages
    assert passages[0].doc_id == "fiche-zephyrin" and passages[0].version == "2"
    assert b.index.chunk_count() == a.index.chunk_count()


def test_a_commit_takes_in_what_the_other_replica_committed(replicas):
    """Neither replica refreshes before committing: the second takes the first's change in
    rather than overwrite it."""
    a, b = replicas
    a.index.lexical  # noqa: B018
    b.index.lexical  # noqa: B018
    a.ingestor.ingest_bytes("charte-ia.md", DOCUMENTS["charte-ia.md"].encode())
    b.ingestor.ingest_bytes("fiche-sobriete.md", DOCUMENTS["fiche-sobriete.md"].encode())
    a.index.refresh()
    for replica in (a, b):
        assert {d.doc_id for d in replica.index.documents()} == {"charte-ia", "fiche-sobriete"}
    state = a.corpus_state.load()
    assert state is not None and set(state[1]) == {"charte-ia", "fiche-sobriete"}


def test_a_repair_on_one_replica_spares_an_import_in_flight_on_the_other(replicas):
    """Vectors written by A and not yet committed are no orphans for B (other data dir, other
    locks): a shared index only removes unlisted vectors older than the grace period."""
    a, b = replicas
    a.ingestor.ingest_bytes("charte-ia.md", DOCUMENTS["charte-ia.md"].encode())
    with a.index.importing():
        a.index.add_chunks(["x::1::0001"], ["texte"], ["texte"], [{"doc_id": "x"}])
        report = b.index.repair()
        assert report.orphan_chunks_removed == 0
        assert a.index.get_chunks(["x::1::0001"])
        a.index.discard_uncommitted(["x::1::0001"])
    # Without the grace (a local Chroma, one data dir and its locks), the same vector goes.
    with a.index.importing():
        a.index.add_chunks(["x::1::0002"], ["texte"], ["texte"], [{"doc_id": "x"}])
    b.index.orphan_grace_s = 0.0
    assert b.index.repair().orphan_chunks_removed == 1
    assert not a.index.get_chunks(["x::1::0002"])


def test_the_shared_state_holds_the_first_manifest_of_an_upgraded_instance(replicas):
    """An instance that ran before the shared state existed publishes its manifest first."""
    a, b = replicas
    a.ingestor.ingest_bytes("charte-ia.md", DOCUMENTS["charte-ia.md"].encode())
    from assistant.storage.models import CorpusStateRow

    with a.database.session() as session:
        session.execute(CorpusStateRow.__table__.delete())
    assert a.corpus_state.load() is None
    a.index.refresh()
    state = a.corpus_state.load()
    assert state is not None and set(state[1]) == {"charte-ia"}
    with a.database.session() as session:
        stored = session.scalar(select(CorpusStateRow.manifest))
    assert json.loads(stored)["charte-ia"]["title"] == "Charte d'utilisation de l'IA"
    assert b.index.refresh()
    assert "charte-ia" in cited(b, "coller le dossier d'un administré dans ChatGPT")


def test_a_stale_publication_is_refused(replicas):
    """The compare-and-swap itself: a writer that read generation g publishes g + 1 only if no
    one else did meanwhile."""
    a, b = replicas
    a.index.refresh()  # publishes the (empty) first manifest
    state = a.corpus_state
    generation = state.generation()
    assert generation is not None
    assert state.publish(generation, generation + 1, {"x": {"doc_id": "x"}})
    assert not state.publish(generation, generation + 1, {"y": {"doc_id": "y"}})
    assert not state.publish(None, 1, {})  # the first row exists already
    assert state.load() == (generation + 1, {"x": {"doc_id": "x"}})
