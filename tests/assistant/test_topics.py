"""The refusal gate's topic signals (assistant/topics.py): the corpus's headings, the « hors
champ » topics trainers edit, and the questions they marked out of scope in the queue.

The embedder is the project's deterministic hashing one: its similarity follows shared words,
which is what these tests need to tell close from far."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant._embedders import HashingEmbedding
from assistant.topics import (
    LONG_QUESTION_WORDS,
    OffTopicsError,
    TopicSimilarity,
    load_off_topics,
)

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = [
    "Charte IA > Article 5 – Données personnelles et données confidentielles",
    "Hameçonnage > Signaler et porter plainte",
]


@pytest.fixture
def embedder():
    return HashingEmbedding(model_name="hashing")


def _topics(embedder, path: Path, marked=None) -> TopicSimilarity:
    topics = TopicSimilarity(embedder, path, marked=marked)
    topics.refresh(1, HEADINGS)
    return topics


def _vector(embedder, text: str) -> list[float]:
    return embedder.get_query_embedding(text)


def test_the_shipped_topics_file_is_a_documented_list_of_topics():
    path = ROOT / "corpus" / "hors-champ.yaml"
    topics = load_off_topics(path)
    assert len(topics) >= 100
    assert all(6 <= len(t.split()) <= 25 for t in topics)
    header = path.read_text(encoding="utf-8").split("\n- ", 1)[0]
    assert "Comment le modifier" in header and "hors champ" in header


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- [ouvert\n", "illisibles"),
        ("sujet: un seul\n", "une liste de sujets est attendue"),
        ("- Délais des passeports : pièces à fournir\n", "guillemets"),
    ],
)
def test_a_broken_topics_file_is_refused_with_a_french_message(tmp_path, content, message):
    path = tmp_path / "hors-champ.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OffTopicsError, match=message):
        load_off_topics(path)


def test_a_question_on_a_heading_is_close_to_it_and_one_on_a_listed_topic_to_the_topic(
    embedder, tmp_path
):
    path = tmp_path / "hors-champ.yaml"
    path.write_text("- Tarifs de location de la salle des fêtes communale\n", encoding="utf-8")
    topics = _topics(embedder, path)
    covered = topics.signals(_vector(embedder, "données personnelles confidentielles ?"), words=3)
    rental = topics.signals(_vector(embedder, "tarifs location salle des fêtes ?"), words=5)
    assert covered["heading_similarity"] > rental["heading_similarity"]
    assert rental["off_topic_similarity"] > covered["off_topic_similarity"]
    assert covered["long_question"] == rental["long_question"] == 0.0


def test_a_long_question_gets_no_topic_signal(embedder, tmp_path):
    path = tmp_path / "hors-champ.yaml"
    path.write_text("- Tarifs de location de la salle des fêtes communale\n", encoding="utf-8")
    topics = _topics(embedder, path)
    vector = _vector(embedder, "tarifs location salle des fêtes ?")
    assert topics.signals(vector, words=LONG_QUESTION_WORDS + 1) == {"long_question": 1.0}


def test_an_edited_file_is_read_again_and_a_broken_one_keeps_the_previous_topics(
    embedder, tmp_path, monkeypatch
):
    monkeypatch.setattr("assistant.watched_file.CHECK_SECONDS", 0.0)  # not once a second
    path = tmp_path / "hors-champ.yaml"
    path.write_text("- Tarifs de location de la salle des fêtes communale\n", encoding="utf-8")
    topics = _topics(embedder, path)
    question = _vector(embedder, "horaires de la déchetterie intercommunale ?")
    before = topics.signals(question, words=4)["off_topic_similarity"]

    path.write_text("- Horaires et accès de la déchetterie intercommunale\n", encoding="utf-8")
    topics.refresh(1, HEADINGS)
    after = topics.signals(question, words=4)["off_topic_similarity"]
    assert after > before + 0.2 and topics.error == ""

    path.write_text("- [cassé\n", encoding="utf-8")
    topics.refresh(1, HEADINGS)
    assert "illisibles" in topics.error
    assert topics.signals(question, words=4)["off_topic_similarity"] == after


def test_without_any_topic_the_gate_reads_the_signal_as_average(embedder, tmp_path):
    from assistant.relevance import RelevanceModel

    topics = _topics(embedder, tmp_path / "absent.yaml")
    signals = topics.signals(_vector(embedder, "données personnelles ?"), words=2)
    assert "off_topic_similarity" not in signals and "heading_similarity" in signals
    gate = RelevanceModel(signals={"off_topic_similarity": (0.8, 0.1, -3.0)}, bias=0.0)
    assert gate(signals) == pytest.approx(0.5)


def test_only_new_headings_are_embedded_when_the_corpus_changes(embedder, tmp_path):
    topics = _topics(embedder, tmp_path / "absent.yaml")
    embedded: list[str] = []
    original = embedder.get_query_embedding

    def counting(text):
        embedded.append(text)
        return original(text)

    class Counting:
        get_query_embedding = staticmethod(counting)

    topics.embedder = Counting()
    topics.refresh(2, [*HEADINGS, "Glossaire > Token"])
    assert embedded == ["Glossaire > Token"]


class _Marked:
    def __init__(self, vectors):
        self.vectors = vectors

    def off_topic_vectors(self):
        return self.vectors


def test_questions_marked_out_of_scope_count_as_topics(embedder, tmp_path):
    question = "horaires de la déchetterie intercommunale ?"
    unmarked = _topics(embedder, tmp_path / "absent.yaml", _Marked(np.zeros((0, 0))))
    assert "off_topic_similarity" not in unmarked.signals(_vector(embedder, question), words=4)

    row = np.asarray(_vector(embedder, "Quels horaires pour la déchetterie ?"), dtype=np.float32)
    marked = _topics(embedder, tmp_path / "absent.yaml", _Marked(row[None, :]))
    assert marked.signals(_vector(embedder, question), words=4)["off_topic_similarity"] > 0.5
