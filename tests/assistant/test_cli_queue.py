"""`assistant queue …`: the contracts of the trainers' queue on the command line."""

from __future__ import annotations

import json
import uuid

import yaml
from typer.testing import CliRunner

from assistant.cli import app
from tests.queue_questions import GROUP_KEYS, OFF_TOPIC, PASSWORDS
from tests.servers.live_app import DOCUMENTS

runner = CliRunner()


def _setup(monkeypatch, tmp_path):
    """Hashing embeddings, extractive answers, every question refused unless linked; the
    test documents imported, the refused questions logged."""
    monkeypatch.setenv("ASSISTANT_EMBEDDINGS__BACKEND", "hashing")
    monkeypatch.setenv("ASSISTANT_LLM__BACKEND", "extractive")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__MIN_RELEVANCE", "1")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__PARTIAL_RELEVANCE", "1")
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(folder)]).exit_code == 0
    from assistant.container import Container
    from assistant.settings import get_settings

    container = Container(get_settings())
    for text in [*PASSWORDS, OFF_TOPIC]:
        container.records.questions.append(
            {"question_id": uuid.uuid4().hex, "scrubbed_question": text, "coverage": "refused"}
        )
    container.database.dispose()


def _groups(*args: str) -> list[dict]:
    result = runner.invoke(app, ["queue", "list", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_queue_list_link_then_ask_answers_from_the_linked_section(monkeypatch, tmp_path):
    _setup(monkeypatch, tmp_path)
    groups = _groups()
    assert all(set(g) == GROUP_KEYS for g in groups)
    assert [g["count"] for g in groups] == [len(PASSWORDS), 1]
    passwords = groups[0]
    assert sorted(passwords["examples"]) == sorted(PASSWORDS)
    assert passwords["kinds"] == {"refused": len(PASSWORDS), "partial": 0, "down": 0}

    refused = json.loads(runner.invoke(app, ["ask", PASSWORDS[0], "--json"]).output)
    assert refused["coverage"] != "answered"

    result = runner.invoke(
        app, ["queue", "link", passwords["id"], "charte-ia", "Article 5 — Relecture humaine"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(runner.invoke(app, ["ask", PASSWORDS[1], "--json"]).output)
    assert answer["refused"] is False and answer["coverage"] == "answered"
    assert (answer["citations"][0]["doc_id"], answer["citations"][0]["section"]) == (
        "charte-ia",
        "Article 5 — Relecture humaine",
    )
    assert [g["id"] for g in _groups()] == [groups[1]["id"]]  # left the open queue
    linked = _groups("--status", "linked")
    assert linked[0]["link"] == {"doc_id": "charte-ia", "section": "Article 5 — Relecture humaine"}
    assert len(_groups("--status", "all")) == 2


def test_out_of_scope_draft_and_dataset_commands(monkeypatch, tmp_path):
    _setup(monkeypatch, tmp_path)
    passwords, other = _groups()
    assert runner.invoke(app, ["queue", "out-of-scope", other["id"]]).exit_code == 0
    assert [g["id"] for g in _groups("--status", "out_of_scope")] == [other["id"]]

    draft = tmp_path / "brouillon.md"
    result = runner.invoke(app, ["queue", "draft", passwords["id"], "--out", str(draft)])
    assert result.exit_code == 0, result.output
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("---\nid: ") and all(q in text for q in PASSWORDS)
    assert [g["id"] for g in _groups("--status", "drafted")] == [passwords["id"]]

    runner.invoke(
        app, ["queue", "link", passwords["id"], "fiche-mots-de-passe", "Choisir un mot de passe"]
    )
    out = tmp_path / "eval" / "terrain.yaml"
    assert runner.invoke(app, ["queue", "dataset", "--out", str(out)]).exit_code == 0
    items = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert sorted(i["question"] for i in items) == sorted(PASSWORDS)
    assert all(
        i["expected_sources"]
        == [{"doc": "fiche-mots-de-passe", "section": "Choisir un mot de passe"}]
        for i in items
    )


def test_queue_errors_are_one_french_line(monkeypatch, tmp_path):
    _setup(monkeypatch, tmp_path)
    passwords = _groups()[0]
    missing = runner.invoke(app, ["queue", "out-of-scope", "q424242"])
    assert missing.exit_code == 1
    assert missing.output.strip() == "Groupe de questions introuvable : il a peut-être été purgé."
    wrong = runner.invoke(app, ["queue", "link", passwords["id"], "charte-ia", "Article 99"])
    assert wrong.exit_code == 1 and "Section introuvable" in wrong.output
    status = runner.invoke(app, ["queue", "list", "--status", "ferme", "--json"])
    assert status.exit_code == 1 and "Statut inconnu" in status.output
