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


def _logged_questions(live) -> int:
    return len(live.journal("questions").splitlines())


def test_the_page_refuses_a_question_over_the_apis_limit(live):
    """The text box's limit is the browser's: a client sending 20,000 characters gets the API's
    refusal, and nothing is answered nor logged."""
    from gradio_client import Client

    before = _logged_questions(live)
    client = Client(live.base_url + "/", verbose=False, download_files=False)
    try:
        chat, *_ = client.predict(
            "Puis-je " + "x" * 20_000 + " ?", "", "", api_name="/poser_question"
        )
    finally:
        client.close()
    assert _logged_questions(live) == before
    assert chat == {"__type__": "update"}, chat  # the chat left as it was


def test_control_characters_and_html_typed_in_the_page_are_not_shown_back(live):
    from gradio_client import Client

    client = Client(live.base_url + "/", verbose=False, download_files=False)
    try:
        chat, _, _, notice = client.predict(
            "Bonjour, je suis Marie Dupont\x00\u202e : puis-je coller le dossier "
            "<img src=x onerror=alert(1)> d'un administré dans ChatGPT ?\u200b",
            "",
            "",
            api_name="/poser_question",
        )
    finally:
        client.close()
    shown = json.dumps(chat, ensure_ascii=False) + json.dumps(notice, ensure_ascii=False)
    for unwanted in ("\\u0000", "\u202e", "\u200b", "<img", "onerror"):
        assert unwanted not in shown, unwanted
    assert chat[0]["content"][0]["text"] == (
        "Bonjour, je suis Marie Dupont : puis-je coller le dossier  d'un administré dans ChatGPT ?"
    )
    assert "interdit de coller le dossier" in shown


def test_check_over_its_limit_is_refused_in_french(live):
    from gradio_client import Client

    client = Client(live.base_url + "/", verbose=False, download_files=False)
    try:
        summary, _, scrubbed = client.predict("Bonjour. " * 3000, api_name="/verifier_texte")
    finally:
        client.close()
    assert summary.startswith("**Erreur :** Le texte est trop long (27\u202f000 caractères)")
    assert scrubbed == ""


def test_a_thumb_the_page_cannot_read_gets_a_french_answer(live):
    """A 👍/👎 event without the data Gradio expects (as a modified client sends it), over
    Gradio's own HTTP queue: a French message, not a Python exception."""
    import uuid

    import httpx

    with httpx.Client(base_url=live.base_url, timeout=60) as http:
        config = http.get("/config").json()
        like = next(
            d for d in config["dependencies"] if any(event == "like" for _, event in d["targets"])
        )
        session = uuid.uuid4().hex[:11]
        joined = http.post(
            "/gradio_api/queue/join",
            json={
                "data": [None, None],
                "event_data": {"value": "?"},
                "fn_index": like["id"],
                "trigger_id": like["targets"][0][0],
                "session_hash": session,
            },
        )
        assert joined.status_code == 200, joined.text
        completed = None
        with http.stream(
            "GET", "/gradio_api/queue/data", params={"session_hash": session}
        ) as events:
            for line in events.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        completed = message
                        break
    assert completed is not None
    assert completed["success"] is True, completed
    status = completed["output"]["data"][0]
    assert status == "Ce message n'est pas une réponse de l'assistant : avis non enregistré."
