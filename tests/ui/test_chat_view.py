"""How one answer is shown: notice of masked data, footer, sources."""

from __future__ import annotations

from types import SimpleNamespace

from ui import chat_view


def record(**overrides):
    base = {
        "question_id": "a" * 32,
        "findings": [],
        "scrubbed_question": "Question",
        "citations": [],
        "refused": False,
        "backend": "extractive",
        "model": "extractif",
    }
    return SimpleNamespace(**{**base, **overrides})


def test_pii_notice_lists_each_placeholder_once():
    findings = [
        {"type": "PERSONNE", "placeholder": "[PERSONNE_1]"},
        {"type": "TÉLÉPHONE", "placeholder": "[TÉLÉPHONE_1]"},
        {"type": "PERSONNE", "placeholder": "[PERSONNE_1]"},
    ]
    assert chat_view.pii_notice(findings) == (
        "2 données personnelles ont été masquées avant d'interroger le modèle : "
        "[PERSONNE_1], [TÉLÉPHONE_1]"
    )
    assert chat_view.pii_notice(findings[:1]) == (
        "1 donnée personnelle a été masquée avant d'interroger le modèle : [PERSONNE_1]"
    )
    assert chat_view.pii_notice([]) is None


def test_pii_message_shows_only_the_scrubbed_question():
    message = chat_view.pii_message(
        record(
            findings=[{"type": "PERSONNE", "placeholder": "[PERSONNE_1]"}],
            scrubbed_question="Je suis [PERSONNE_1]",
        )
    )
    assert message["role"] == "assistant"
    assert "« Je suis [PERSONNE_1] »" in message["content"]


def test_footer_names_the_backend_or_the_refusal():
    assert "mode extractif : réponses composées d'extraits du corpus, sans modèle de langage" in (
        chat_view.answer_footer(record())
    )
    assert "Ollama" in chat_view.answer_footer(record(backend="ollama", model="mistral-nemo"))
    assert "ne couvre pas" in chat_view.answer_footer(record(refused=True, backend="refus"))


def test_citation_title_has_title_section_page_and_theme():
    citation = {
        "n": 2,
        "title": "Charte",
        "section_path": "Charte > Article 3",
        "page": 4,
        "theme": "donnees-personnelles",
    }
    assert chat_view.citation_title(citation) == (
        "[2] Charte — Article 3, page 4 · thème : Données personnelles"
    )
    assert chat_view.citation_title({"n": 1, "title": "Fiche", "section_path": "A > B"}) == (
        "[1] Fiche — A › B · thème : Aucun (sans réponse du corpus)"
    )


def test_sources_are_an_open_group_of_closed_passages():
    citation = {
        "n": 1,
        "title": "Charte",
        "section_path": "Article 3",
        "theme": "charte",
        "url": "/api/passages/charte::abc::0001",
    }
    passages = {
        "charte::abc::0001": {
            "text": "Ligne un.\n\nLigne deux.",
            "title": "Charte",
            "version": "2",
            "updated": "2025-01-15",
        }
    }
    messages = chat_view.source_messages(record(citations=[citation]), passages)
    group, source = messages
    assert group["metadata"]["title"] == "Sources de cette réponse (1)"
    assert "status" not in group["metadata"]
    assert source["metadata"]["parent_id"] == group["metadata"]["id"]
    assert source["metadata"]["status"] == "done"
    assert source["content"].startswith("> Ligne un.\n>\n> Ligne deux.")
    assert "version 2" in source["content"]
    gone = chat_view.source_messages(record(citations=[citation]), {})
    assert "retiré du corpus" in gone[1]["content"]
    assert chat_view.source_messages(record(), passages) == []


def test_engine_history_keeps_the_last_turns():
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": str(i)} for i in range(10)]
    history = chat_view.engine_history(turns)
    assert [t.content for t in history] == ["4", "5", "6", "7", "8", "9"]


def test_each_message_of_an_answer_is_remembered_for_its_thumbs():
    first = {"question_id": "q1", "conversation_id": "c"}
    second = {"question_id": "q2", "conversation_id": "c"}
    shown = [
        chat_view.user_message("Première question"),
        chat_view.assistant_message("Première réponse"),
        chat_view.assistant_message("Sources"),
    ]
    remembered = chat_view.remember_answer({}, shown, first)
    shown += [chat_view.user_message("Deuxième"), chat_view.assistant_message("Réponse 2")]
    remembered = chat_view.remember_answer(remembered, shown, second)
    assert chat_view.liked_answer(remembered, 1)["question_id"] == "q1"
    assert chat_view.liked_answer(remembered, 2)["question_id"] == "q1"  # its sources
    assert chat_view.liked_answer(remembered, 4)["question_id"] == "q2"
    assert chat_view.liked_answer(remembered, [4, 0])["question_id"] == "q2"
    assert chat_view.liked_answer(remembered, 0) is None  # the agent's own question
    assert chat_view.remember_answer(remembered, shown, None) == remembered  # failed answer
