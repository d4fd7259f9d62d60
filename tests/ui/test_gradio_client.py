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
    logged = [json.loads(line) for line in live.journal("questions").splitlines()]
    assert logged[-1]["job"] == "secretariat"
    assert logged[-1]["channel"] == "interface"
    assert "Dupont" not in live.journal("questions")


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
