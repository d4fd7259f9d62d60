"""The trainers' queue on real SQLite and PostgreSQL, a real Chroma index (hashing embedder)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from assistant.services.errors import Invalid, NotFound
from assistant.services.queue import QueueService, assign_leaders
from tests.queue_questions import ENERGY, GROUP_KEYS, OFF_TOPIC, PASSWORDS
from tests.servers.live_app import ingest_documents

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue_container(database_url, data_dir, shared_scrubbers):
    from assistant.container import Container
    from assistant.settings import load_settings

    settings = load_settings(
        data_dir=data_dir,
        corpus_dir=ROOT / "corpus",
        embeddings={"backend": "hashing"},
        llm={"backend": "extractive"},
        database={"url": database_url},
    )
    container = Container(settings)
    container.__dict__["question_scrubber"] = shared_scrubbers(True)
    container.__dict__["document_scrubber"] = shared_scrubbers(True)
    ingest_documents(container)
    yield container
    container.database.dispose()


def embedded_texts(container, monkeypatch) -> list[str]:
    """The texts ``container``'s embedder is asked for from now on, filled in as it goes."""
    calls: list[str] = []
    embedder_class = type(container.embedder)
    embed = embedder_class.get_query_embedding
    monkeypatch.setattr(
        embedder_class,
        "get_query_embedding",
        lambda self, text: calls.append(text) or embed(self, text),
    )
    return calls


def log_question(container, text, coverage="refused", *, ts=None, question_id=None):
    entry = {
        "question_id": question_id or uuid.uuid4().hex,
        "scrubbed_question": text,
        "coverage": coverage,
        "refused": coverage == "refused",
    }
    if ts is not None:
        entry["ts"] = ts
    return container.records.questions.append(entry)


def test_refused_partial_and_down_questions_are_grouped_by_topic(queue_container):
    for text in PASSWORDS:
        log_question(queue_container, text)
    for text in ENERGY:
        log_question(queue_container, text, "partial")
    voted = log_question(queue_container, "Que dit l'article 5 sur la relecture ?", "answered")
    log_question(queue_container, "Que dit la charte sur les données ?", "answered")
    queue_container.records.record_feedback(
        question_id=voted["question_id"], vote="down", reason="", reason_findings=[]
    )

    groups = QueueService(queue_container).groups()

    assert all(set(g) == GROUP_KEYS for g in groups)
    assert [g["count"] for g in groups] == [3, 2, 1]  # largest first
    passwords, energy, down = groups
    assert sorted(passwords["examples"]) == sorted(PASSWORDS)
    assert passwords["kinds"] == {"refused": 3, "partial": 0, "down": 0}
    assert energy["kinds"] == {"refused": 0, "partial": 2, "down": 0}
    assert down["kinds"] == {"refused": 0, "partial": 0, "down": 1}
    assert down["examples"] == ["Que dit l'article 5 sur la relecture ?"]
    assert passwords["nearest"][0]["doc_id"] == "fiche-mots-de-passe"
    assert energy["nearest"][0] == {
        "doc_id": "fiche-sobriete",
        "section": "Consommation énergétique",
        "title": "Sobriété numérique et IA",
    }
    assert {g["status"] for g in groups} == {"open"} and all(g["link"] is None for g in groups)
    assert passwords["first_ts"] <= passwords["last_ts"]


def test_questions_are_embedded_once_and_groups_keep_their_id(queue_container, monkeypatch):
    for text in PASSWORDS[:2]:
        log_question(queue_container, text)
    service = QueueService(queue_container)
    first = service.groups()
    calls = embedded_texts(queue_container, monkeypatch)
    assert service.groups() == first
    assert calls == []  # nothing recomputed on a second view
    log_question(queue_container, PASSWORDS[2])
    again = service.groups()
    assert calls == [PASSWORDS[2]]
    assert [(g["id"], g["count"]) for g in again] == [(first[0]["id"], 3)]


def test_a_vote_down_after_the_queue_read_the_question_still_enters(queue_container):
    answered = log_question(queue_container, "Que dit l'article 5 sur la relecture ?", "answered")
    service = QueueService(queue_container)
    assert service.groups() == []
    queue_container.records.record_feedback(
        question_id=answered["question_id"], vote="down", reason="", reason_findings=[]
    )
    groups = service.groups()
    assert [g["kinds"]["down"] for g in groups] == [1]


def test_link_draft_and_out_of_scope_leave_the_open_queue_with_their_status(
    queue_container, tmp_path
):
    for text in PASSWORDS:
        log_question(queue_container, text)
    for text in ENERGY:
        log_question(queue_container, text, "partial")
    log_question(queue_container, OFF_TOPIC)
    service = QueueService(queue_container)
    passwords, energy, recipe = service.groups(status="open")

    with pytest.raises(Invalid, match="Section introuvable"):
        service.link(passwords["id"], "fiche-mots-de-passe", "Une section qui n'existe pas")
    with pytest.raises(NotFound, match="Document introuvable"):
        service.link(passwords["id"], "absent", "Choisir un mot de passe")
    with pytest.raises(NotFound, match="Groupe"):
        service.link("q999999", "fiche-mots-de-passe", "Choisir un mot de passe")

    service.link(passwords["id"], "fiche-mots-de-passe", "Choisir un mot de passe")
    draft = service.draft(energy["id"])
    service.out_of_scope(recipe["id"])

    assert service.groups(status="open") == []
    assert [g["id"] for g in service.groups(status="linked")] == [passwords["id"]]
    linked = service.groups(status="linked")[0]
    assert linked["link"] == {"doc_id": "fiche-mots-de-passe", "section": "Choisir un mot de passe"}
    assert [g["id"] for g in service.groups(status="drafted")] == [energy["id"]]
    assert [g["id"] for g in service.groups(status="out_of_scope")] == [recipe["id"]]
    with pytest.raises(Invalid, match="Statut inconnu"):
        service.groups(status="fermé")

    front, body = draft.split("---\n", 2)[1:]
    meta = yaml.safe_load(front)
    assert set(meta) == {"id", "title", "theme", "audience", "version", "updated"}
    assert meta["theme"] == "cas-usage"
    assert body.strip().startswith("# ") and "## " in body
    assert all(f"« {q} »" in body for q in ENERGY)
    assert "Sobriété numérique et IA — Consommation énergétique" in body
    imported = queue_container.ingestor.ingest_bytes("brouillon.md", draft.encode())
    assert imported.status == "indexed", imported.message  # the corpus format, as is

    links = service.links("fiche-mots-de-passe")
    assert [(x["group_id"], x["section"], x["count"]) for x in links] == [
        (passwords["id"], "Choisir un mot de passe", 3)
    ]
    assert service.links("fiche-sobriete") == []


def test_the_field_dataset_holds_the_linked_questions_in_the_eval_format(queue_container, tmp_path):
    from assistant.evaluation.datasets import load_items

    for text in PASSWORDS:
        log_question(queue_container, text)
    log_question(queue_container, ENERGY[0])
    service = QueueService(queue_container)
    group = service.groups()[0]
    service.link(group["id"], "fiche-mots-de-passe", "Choisir un mot de passe")

    items = service.dataset()
    (tmp_path / "terrain.yaml").write_text(yaml.safe_dump(items, allow_unicode=True))
    loaded = load_items(tmp_path, split="terrain")
    assert sorted(i.question for i in loaded) == sorted(PASSWORDS)
    assert {i.kind for i in loaded} == {"terrain"}
    assert {(s.doc, s.section) for i in loaded for s in i.expected_sources} == {
        ("fiche-mots-de-passe", "Choisir un mot de passe")
    }
    assert len({i.id for i in loaded}) == 3


def test_since_and_until_bound_the_questions_counted(queue_container):
    old = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    log_question(queue_container, PASSWORDS[0], ts=old)
    log_question(queue_container, PASSWORDS[1])
    service = QueueService(queue_container)
    week_ago = datetime.now(UTC) - timedelta(days=7)
    assert [g["count"] for g in service.groups(since=week_ago)] == [1]
    assert [g["count"] for g in service.groups(until=week_ago)] == [1]
    assert [g["count"] for g in service.groups()] == [2]


def test_the_retention_purge_removes_queue_questions_with_their_question(queue_container):
    old = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    log_question(queue_container, PASSWORDS[0], ts=old)
    log_question(queue_container, PASSWORDS[1])
    service = QueueService(queue_container)
    assert [g["count"] for g in service.groups()] == [2]
    queue_container.records.purge(365)
    assert [g["count"] for g in service.groups()] == [1]


def test_a_link_is_used_by_the_running_retriever_without_a_restart(queue_container):
    engine = queue_container.chat_engine
    engine.min_relevance = engine.partial_relevance = 1.01  # everything refused unless linked
    question = PASSWORDS[0]
    before = engine.ask(question, restore=False)
    assert before.coverage in ("refused", "partial")
    queue_container.records.record_answer(before, channel="test", job=None, requested_theme=None)
    service = QueueService(queue_container)
    group = service.groups()[0]
    service.link(group["id"], "charte-ia", "Article 5 — Relecture humaine")

    after = engine.ask(PASSWORDS[1], restore=False)  # a phrasing not in the group
    assert after.coverage == "answered" and not after.refused
    assert (after.citations[0]["doc_id"], after.citations[0]["section"]) == (
        "charte-ia",
        "Article 5 — Relecture humaine",
    )
    unrelated = engine.ask("Quelle consommation d'énergie pour une requête ?", restore=False)
    assert unrelated.coverage != "answered"
    first = [(c["doc_id"], c["section"]) for c in unrelated.citations[:1]]
    assert first != [("charte-ia", "Article 5 — Relecture humaine")]

    service.reopen(group["id"])  # the link stops being used at once
    assert engine.ask(PASSWORDS[1], restore=False).coverage != "answered"


def test_a_link_made_by_another_process_is_seen_after_the_check_interval(queue_container):
    """The server checks the database for other processes' decisions (the CLI, another
    replica) at most every ``check_interval`` seconds, not on every question."""
    import time

    from assistant.container import Container

    engine = queue_container.chat_engine
    engine.min_relevance = engine.partial_relevance = 1.01  # everything refused unless linked
    links = queue_container.question_links
    assert links.check_interval == 1.0  # the server's default
    answer = engine.ask(PASSWORDS[0], restore=False)
    queue_container.records.record_answer(answer, channel="test", job=None, requested_theme=None)

    other = Container(queue_container.settings)  # the CLI, in its own process
    service = QueueService(other)
    service.link(service.groups()[0]["id"], "charte-ia", "Article 5 — Relecture humaine")
    links._checked_at = time.monotonic() - links.check_interval  # the interval has elapsed
    assert engine.ask(PASSWORDS[1], restore=False).coverage == "answered"
    other.database.dispose()


def test_leader_clustering_joins_existing_leaders_then_new_ones_in_order():
    import numpy as np

    a, b, c = np.eye(3, dtype=np.float32)
    near_a = (a + 0.1 * b) / np.linalg.norm(a + 0.1 * b)
    assigned, new = assign_leaders(np.stack([c, near_a, c, b]), np.stack([a]), 0.9)
    assert assigned == [1, 0, 1, 2]
    assert new.shape == (2, 3) and np.allclose(new[0], c) and np.allclose(new[1], b)


def test_catching_up_ahead_of_a_view_leaves_nothing_to_embed_then(queue_container, monkeypatch):
    """What the server does every minute: the questions are embedded ahead of the trainers'
    view (and of the bilan), which then computes nothing."""
    for text in PASSWORDS:
        log_question(queue_container, text)
    service = QueueService(queue_container)
    assert service.catch_up() == len(PASSWORDS)
    assert service.catch_up() == 0  # each question taken in once
    calls = embedded_texts(queue_container, monkeypatch)
    (group,) = service.groups()
    assert group["count"] == len(PASSWORDS) and calls == []


def test_questions_marked_out_of_scope_reach_the_refusal_gate_without_a_restart(queue_container):
    from assistant.topics import TopicSimilarity

    retriever = queue_container.retriever
    retriever.topics = TopicSimilarity(
        queue_container.embedder, None, marked=queue_container.question_links
    )
    recipe = "Quelle est la recette de la tarte aux pommes ?"
    before = retriever.retrieve(recipe).signals
    assert "off_topic_similarity" not in before  # no topic file, nothing marked yet

    log_question(queue_container, recipe)
    service = QueueService(queue_container)
    (group,) = service.groups(status="open")
    service.out_of_scope(group["id"])

    after = retriever.retrieve("La recette de la tarte aux pommes, svp ?").signals
    assert after["off_topic_similarity"] > 0.8
    service.reopen(group["id"])  # no longer marked: no longer a topic
    assert "off_topic_similarity" not in retriever.retrieve(recipe).signals
