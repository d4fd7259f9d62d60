"""The page's chat event is an API too: ``gradio_client`` can call it by its name."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_chat_endpoint_answers_through_gradio_client(live):
    from gradio_client import Client

    client = Client(live.base_url + "/", verbose=False, download_files=False)
    try:
        api = client.view_api(return_format="dict", print_info=False)
        assert "/poser_question" in api["named_endpoints"]
        assert "/verifier_texte" in api["named_endpoints"]
        parameters = api["named_endpoints"]["/poser_question"]["parameters"]
        assert [p["label"] for p in parameters][:2] == [
            "Votre question",
            "Votre métier (facultatif)",
        ]

        chat, question_box, backend, notice = client.predict(
            "Bonjour, je suis Marie Dupont : puis-je coller le dossier d'un administré "
            "dans ChatGPT ?",
            "secretariat",
            "",
            api_name="/poser_question",
        )
    finally:
        client.close()

    text = json.dumps(chat, ensure_ascii=False)
    assert chat[0]["role"] == "user"
    assert "interdit de coller le dossier" in text
    assert "Sources de cette réponse" in text
    assert "1 donnée personnelle a été masquée avant d'interroger le modèle : [PERSONNE_1]" in (
        text
    )
    assert question_box == ""
    assert "mode extractif" in backend
    assert "[PERSONNE_1]" in notice["value"] and notice["visible"] is True
    logged = [json.loads(line) for line in live.journal("questions.jsonl").splitlines()]
    assert logged[-1]["job"] == "secretariat"
    assert logged[-1]["channel"] == "interface"
    assert "Dupont" not in live.journal("questions.jsonl")


def test_check_endpoint_masks_a_text(live):
    from gradio_client import Client

    client = Client(live.base_url + "/", verbose=False, download_files=False)
    try:
        summary, findings, scrubbed = client.predict(
            "Écrire à jean.martin@example.org avant lundi.", api_name="/verifier_texte"
        )
    finally:
        client.close()
    assert "[EMAIL_1]" in scrubbed and "example.org" not in scrubbed
    assert "1 donnée(s) personnelle(s) masquée(s)" in summary
    assert findings["data"][0][0] == "adresse électronique"


def test_failed_logins_from_an_address_leave_a_trainers_page_login_open(live):
    """Wrong passwords for other names (through the API and the page) from the trainer's
    address: the trainer still logs in to the page from there."""
    import httpx

    from tests.ui.conftest import PageClient

    address = "198.51.100.201"
    with httpx.Client(
        base_url=live.base_url, headers={"X-Forwarded-For": address}, timeout=60
    ) as http:
        for _ in range(11):
            http.get("/api/documents", auth=httpx.BasicAuth("pirate", "devine"))
    attacker = PageClient(live.base_url, address=address)
    trainer = PageClient(live.base_url, address=address)
    try:
        for _ in range(3):
            attacker.call("login", "click", "pirate", "devine")
        trainer.log_in()
    finally:
        attacker.close()
        trainer.close()
