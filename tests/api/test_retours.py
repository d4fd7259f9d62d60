"""Retours d'expérience and priority use cases through the real HTTP API."""

from __future__ import annotations

import csv
import io

import pytest

from tests.servers.live_app import ingest_use_case_sheets

pytestmark = pytest.mark.slow

RETOUR = {
    "job": "secretariat",
    "task": "Préparer l'ordre du jour et la convocation du conseil municipal",
    "tool": "assistant-syndicat",
    "description": "Trame de convocation du conseil municipal à partir des points, appelez "
    "Mme Jeanne Dupont au 06 12 34 56 78.",
    "result": "gain-de-temps",
    "time_saved_minutes": 45,
    "contact_consent": True,
}


def _share(client, **overrides):
    response = client.post("/api/retours", json={**RETOUR, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_agent_shares_a_retour_and_sees_what_was_masked(client, anonymous, trainer):
    body = _share(client)
    assert body["detail"].startswith("Merci pour votre retour")
    assert {"PERSONNE", "TÉLÉPHONE"} <= set(body["masked"])
    retour = body["retour"]
    assert "06 12" not in retour["description"] and "Dupont" not in retour["description"]
    assert retour["status"] == "nouveau" and retour["contact_consent"] is True
    assert anonymous.post("/api/retours", json=RETOUR).status_code == 401
    listed = trainer.get("/api/retours", params={"status": "nouveau"})
    assert listed.status_code == 200
    assert retour in listed.json()
    assert client.get("/api/retours").status_code == 403  # an agent is no trainer


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tool", "chatgpt-perso", "Outil inconnu"),
        ("result", "super", "Résultat inconnu"),
        ("time_saved_minutes", -3, "Requête invalide"),
        ("task", "", "Requête invalide"),
    ],
)
def test_bad_input_gets_one_french_sentence(client, trainer, field, value, message):
    before = len(trainer.get("/api/retours").json())
    response = client.post("/api/retours", json={**RETOUR, field: value})
    assert response.status_code == 422
    assert response.json()["detail"].startswith(message)
    assert len(trainer.get("/api/retours").json()) == before
    wrong_status = trainer.get("/api/retours", params={"status": "archive"})
    assert wrong_status.status_code == 422 and "Statut inconnu" in wrong_status.json()["detail"]


def test_trainer_publishes_merges_rejects_and_downloads_the_draft(client, trainer):
    first, second, third = (_share(client)["retour"]["id"] for _ in range(3))
    assert trainer.get(f"/api/retours/{first}/draft").status_code == 409
    published = trainer.post(f"/api/retours/{first}/publish")
    assert published.status_code == 200 and published.json()["status"] == "publie"
    again = trainer.post(f"/api/retours/{first}/publish")
    assert again.status_code == 409 and "déjà publié" in again.json()["detail"]
    merged = trainer.post(f"/api/retours/{second}/merge", json={"into": first})
    assert merged.json()["merged_into"] == first
    assert trainer.post(f"/api/retours/{third}/reject").json()["status"] == "rejete"
    assert trainer.post("/api/retours/999999/reject").status_code == 404
    draft = trainer.get(f"/api/retours/{first}/draft")
    assert draft.status_code == 200
    assert draft.headers["content-type"].startswith("text/markdown")
    assert f'filename="cas-usage-retour-{first}.md"' in draft.headers["content-disposition"]
    assert draft.text.startswith(f"---\nid: cas-usage-retour-{first}\n")
    assert "theme: cas-usage" in draft.text and "06 12" not in draft.text
    assert client.post(f"/api/retours/{first}/reject").status_code == 403


def test_priorities_as_json_and_csv(server, client, trainer):
    ingest_use_case_sheets(server.container)
    records = server.container.records
    section = "Ce que l'IA peut faire pour le secrétariat de mairie"
    for session in ("a", "b"):
        records.questions.append(
            {
                "job": "secretariat",
                "session": session,
                "coverage": "answered",
                "citations": [
                    {"doc_id": "cas-usage-secretariat-mairie", "section": section,
                     "theme": "cas-usage"}
                ],
            }
        )  # fmt: skip
    _share(client)
    response = trainer.get("/api/priorities")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"method", "period", "items"}
    assert body["method"].startswith("Un cas d'usage est une section")
    mapped = [
        i for i in body["items"]
        if i["job"] == "secretariat" and i["doc_id"] == "cas-usage-secretariat-mairie"
    ]  # fmt: skip
    assert sum(i["sessions"] for i in mapped) >= 2 and sum(i["retours"] for i in mapped) >= 1
    as_csv = trainer.get("/api/priorities", params={"format": "csv", "since": "2020-01-01"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "rang" and len(rows) == len(body["items"]) + 1
    empty = trainer.get("/api/priorities", params={"since": "2030-01-02", "until": "2030-01-01"})
    assert empty.status_code == 422 and "période est vide" in empty.json()["detail"]
    assert client.get("/api/priorities").status_code == 403
