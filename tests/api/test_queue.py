"""Trainers' queue routes (/api/queue) against the real server: the agents' questions and 👎
go in through the agents' routes, the trainer links, and the next agent is answered from it."""

from __future__ import annotations

import pytest

from tests.queue_questions import ENERGY

pytestmark = pytest.mark.slow

LINKED = ("charte-ia", "Article 5 — Relecture humaine")


def _ask_and_vote_down(client, question: str) -> None:
    body = client.post("/api/ask", json={"question": question}).json()
    vote = client.post("/api/feedback", json={"question_id": body["question_id"], "vote": "down"})
    assert vote.status_code < 300, vote.text


def test_queue_routes_need_a_trainer(anonymous, client):
    assert anonymous.get("/api/queue").status_code == 401
    assert client.get("/api/queue").status_code == 403  # an agent is not a trainer
    assert (
        anonymous.post("/api/queue/q1/link", json={"doc_id": "a", "section": "b"}).status_code
        == 401
    )


def test_voted_down_answers_become_a_group_a_trainer_links(client, trainer):
    for question in ENERGY:
        _ask_and_vote_down(client, question)
    groups = trainer.get("/api/queue", params={"status": "open"}).json()
    group = next(g for g in groups if set(g["examples"]) == set(ENERGY))
    assert group["kinds"]["down"] == 2 and group["count"] == 2
    assert group["nearest"][0]["doc_id"] == "fiche-sobriete"

    missing = trainer.post(
        f"/api/queue/{group['id']}/link", json={"doc_id": "charte-ia", "section": "Article 99"}
    )
    assert missing.status_code == 422 and "Section introuvable" in missing.json()["detail"]
    linked = trainer.post(
        f"/api/queue/{group['id']}/link", json={"doc_id": LINKED[0], "section": LINKED[1]}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["link"] == {"doc_id": LINKED[0], "section": LINKED[1]}

    body = client.post("/api/ask", json={"question": ENERGY[0]}).json()
    assert (body["citations"][0]["doc_id"], body["citations"][0]["section"]) == LINKED
    assert body["refused"] is False

    links = trainer.get("/api/queue/links", params={"doc_id": "charte-ia"}).json()
    assert [(x["group_id"], x["section"]) for x in links] == [(group["id"], LINKED[1])]
    assert trainer.get("/api/queue/links", params={"doc_id": "fiche-sobriete"}).json() == []
    dataset = trainer.get("/api/queue/dataset").json()
    assert {i["question"] for i in dataset} >= set(ENERGY)
    assert group["id"] not in {
        g["id"] for g in trainer.get("/api/queue", params={"status": "open"}).json()
    }

    reopened = trainer.post(f"/api/queue/{group['id']}/reopen")
    assert reopened.json()["status"] == "open"
    body = client.post("/api/ask", json={"question": ENERGY[0]}).json()
    assert body["citations"][0]["doc_id"] == "fiche-sobriete"


def test_draft_and_out_of_scope(client, trainer):
    question = "Quelle est la recette de la tarte aux pommes de la cantine ?"
    _ask_and_vote_down(client, question)
    group = next(g for g in trainer.get("/api/queue").json() if question in g["examples"])
    draft = trainer.post(f"/api/queue/{group['id']}/draft")
    assert draft.status_code == 200
    assert draft.headers["content-type"].startswith("text/markdown")
    assert draft.text.startswith("---\nid: ") and f"« {question} »" in draft.text
    assert trainer.post(f"/api/queue/{group['id']}/out-of-scope").json()["status"] == "out_of_scope"
    kept = trainer.get("/api/queue", params={"status": "out_of_scope"}).json()
    assert group["id"] in {g["id"] for g in kept}


def test_unknown_group_and_status_are_french_errors(trainer):
    missing = trainer.post("/api/queue/q999999/out-of-scope")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "Groupe de questions introuvable : il a peut-être été purgé."
    }
    assert trainer.post("/api/queue/q999999/draft").status_code == 404
    assert trainer.get("/api/queue", params={"status": "ferme"}).status_code == 422
