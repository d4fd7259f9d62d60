"""Agents' routes against the real server: ask, stream, passages, check, feedback, the log."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import RATE_LIMIT, all_bytes_under
from tests.servers.sse import parse_sse_json

pytestmark = pytest.mark.slow

PHONE = "06 12 34 56 78"
QUESTION_WITH_PII = (
    f"Je suis Marie Dupont, mon numéro est le {PHONE} : puis-je coller le dossier d'un "
    "administré dans ChatGPT ?"
)


def test_ask_returns_a_grounded_answer_with_sources(client):
    response = client.post(
        "/api/ask", json={"question": "Puis-je coller le dossier d'un administré dans ChatGPT ?"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["refused"] is False and body["coverage"] == "answered"
    assert body["backend"] == "extractive"
    assert "ChatGPT" in body["answer"]
    assert body["citations"][0]["doc_id"] == "charte-ia"
    assert body["citations"][0]["url"].startswith("/api/passages/")
    assert "prompts_sent" not in body
    assert len(body["question_id"]) == 32 and body["conversation_id"]


def test_citation_url_leads_to_the_passage(client):
    body = client.post("/api/ask", json={"question": "Comment choisir un mot de passe ?"}).json()
    citation = next(c for c in body["citations"] if c["doc_id"] == "fiche-mots-de-passe")
    passage = client.get(citation["url"])
    assert passage.status_code == 200
    data = passage.json()
    assert data["doc_id"] == "fiche-mots-de-passe"
    assert data["title"] == "Fiche cybersécurité — mots de passe"
    assert "douze caractères" in data["text"]
    assert data["citation"].startswith("Fiche cybersécurité — mots de passe — ")
    missing = client.get("/api/passages/inconnu::000::0000")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Ce passage n'existe pas ou a été retiré du corpus."}


def test_personal_data_is_masked_and_restored_only_for_the_caller(client):
    body = client.post("/api/ask", json={"question": QUESTION_WITH_PII}).json()
    assert PHONE not in body["scrubbed_question"]
    assert "[TÉLÉPHONE_1]" in body["scrubbed_question"]
    assert "TÉLÉPHONE" in body["finding_types"]
    assert all("value" not in f and PHONE not in json.dumps(f) for f in body["findings"])


def test_stream_sends_tokens_then_sources_then_final(client):
    with client.stream(
        "POST",
        "/api/ask/stream",
        json={"question": "Faut-il relire une production d'IA avant diffusion ?", "job": "rh"},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse_json(response.read().decode())
    names = [name for name, _ in events]
    assert names[0] == "findings"
    assert names[1] in ("queue", "token")
    first_token = names.index("token")
    assert set(names[first_token : names.index("sources")]) == {"token"}
    assert names[-2:] == ["sources", "final"]
    final = events[-1][1]
    assert final["answer"] == "".join(d["text"] for n, d in events if n == "token")
    assert events[-2][1] == final["citations"]
    assert final["citations"][0]["doc_id"] == "charte-ia"


def test_check_masks_a_text_without_keeping_it(client, server):
    text = f"Madame Marie Dupont, joignable au {PHONE}, demande son dossier."
    response = client.post("/api/check", json={"text": text})
    assert response.status_code == 200
    body = response.json()
    assert PHONE not in body["text"]
    assert "[TÉLÉPHONE_1]" in body["text"]
    types = {f["type"] for f in body["findings"]}
    assert "TÉLÉPHONE" in types
    for finding in body["findings"]:
        assert set(finding) == {"type", "start", "end", "score", "placeholder"}
    assert body["counts"]["TÉLÉPHONE"] == 1
    assert "masquée" in body["detail"]


def test_feedback_is_stored_with_its_reason_scrubbed(client, server):
    answer = client.post("/api/ask", json={"question": "Quelle énergie consomme une requête ?"})
    question_id = answer.json()["question_id"]
    response = client.post(
        "/api/feedback",
        json={
            "question_id": question_id,
            "vote": "down",
            "reason": f"Pas clair, rappelez-moi au {PHONE}",
        },
    )
    assert response.status_code == 200
    assert response.json()["stored"] is True
    stored = [
        e for e in server.container.records.feedback.read() if e["question_id"] == question_id
    ]
    assert len(stored) == 1
    assert stored[0]["vote"] == "down"
    assert PHONE not in stored[0]["reason"]
    assert "[TÉLÉPHONE_1]" in stored[0]["reason"]
    bad = client.post("/api/feedback", json={"question_id": question_id, "vote": "bof"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("Requête invalide — « vote »")


def test_question_log_holds_the_scrubbed_question_and_never_the_raw_data(client, server):
    body = client.post(
        "/api/ask", json={"question": QUESTION_WITH_PII, "job": "Secrétariat de mairie"}
    ).json()
    entry = next(
        e for e in server.container.records.questions.read()
        if e["question_id"] == body["question_id"]
    )
    assert entry["scrubbed_question"] == body["scrubbed_question"]
    assert entry["theme"] == body["citations"][0]["theme"] == "charte"
    assert entry["job"] == "secretariat"
    assert entry["backend"] == "extractive"
    assert entry["citations"][0]["doc_id"] == "charte-ia"
    assert "total_ms" in entry["timings"]
    assert "answer" not in entry
    raw_forms = [PHONE.encode(), PHONE.replace(" ", "").encode(), b"Marie Dupont", b"Dupont"]
    for path, data in all_bytes_under(server.data_dir):
        for raw in raw_forms:
            assert raw not in data, f"{raw!r} trouvé dans {path}"


def test_invalid_requests_get_french_json_errors(client):
    empty = client.post("/api/ask", json={"question": "   "})
    assert empty.status_code == 422
    assert empty.json()["detail"].startswith("Requête invalide — « question » : texte trop court")
    theme = client.post("/api/ask", json={"question": "Bonjour ?", "theme": "cuisine"})
    assert theme.status_code == 422
    assert "valeur non reconnue" in theme.json()["detail"]
    not_json = client.post(
        "/api/ask", content=b"{pas du json", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert "JSON invalide" in not_json.json()["detail"]
    unknown = client.get("/api/inconnu")
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Ressource introuvable."}
    method = client.delete("/api/ask")
    assert method.status_code == 405
    assert method.json() == {"detail": "Méthode non autorisée pour cette adresse."}


def test_oversized_request_is_refused_with_413(client):
    big = {"question": "Bonjour ?", "history": [{"role": "user", "content": "x" * 7000}] * 12}
    response = client.post("/api/ask", json=big)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Requête trop volumineuse : la taille maximale acceptée est de 64 Ko."
    }


def test_oversized_chunked_request_is_refused_with_413(client):
    def body():
        yield b'{"question": "Bonjour ?", "history": ['
        for _ in range(40):
            yield b'{"role": "user", "content": "' + b"x" * 4000 + b'"},'
        yield b'{"role": "user", "content": "fin"}]}'

    response = client.post(
        "/api/check", content=body(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "Requête trop volumineuse" in response.json()["detail"]


def test_rate_limit_answers_429_in_french_with_retry_after(client):
    statuses = [
        client.post("/api/ask", json={"question": "Comment choisir un mot de passe ?"}).status_code
        for _ in range(RATE_LIMIT)
    ]
    assert statuses == [200] * RATE_LIMIT
    refused = client.post("/api/ask", json={"question": "Et encore une ?"})
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Trop de questions en peu de temps : réessayez")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    stream = client.post("/api/ask/stream", json={"question": "Et en flux ?"})
    assert stream.status_code == 429
    # Another agent (another address) is not affected.
    other = httpx.post(
        str(client.base_url) + "/api/ask",
        json={"question": "Comment choisir un mot de passe ?"},
        headers={**client.headers, "X-Forwarded-For": "192.0.2.200"},
        timeout=60,
    )
    assert other.status_code == 200


def test_home_redirects_to_the_api_documentation(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/docs"
    docs = client.get("/openapi.json").json()
    assert "/api/ask" in docs["paths"] and "/v1/chat/completions" in docs["paths"]
    description = docs["paths"]["/api/ask"]["post"]["description"]
    assert description.startswith("Répond à une question")


def test_unexpected_error_is_a_french_500_without_details(client, server, monkeypatch, caplog):
    from assistant.api.logs import JsonFormatter

    async def broken(*args, **kwargs):
        raise RuntimeError(f"panne en traitant « Marie Dupont, {PHONE} »")
        yield  # an async generator, like the real one

    monkeypatch.setattr(server.container.chat_engine, "astream", broken)
    for path in ("/api/ask", "/api/ask/stream"):
        response = client.post(path, json={"question": QUESTION_WITH_PII})
        assert response.status_code == 500
        assert response.json()["detail"].startswith("Erreur interne du serveur")
        assert "Dupont" not in response.text and "Traceback" not in response.text
    assert client.get("/health").status_code == 200  # the kept-alive connection still works
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any('"error": "RuntimeError"' in line for line in lines)
    assert not any("Dupont" in line or PHONE in line for line in lines)


HOSTILE = (
    "Puis-je\x00 coller\u202e le dossier\u2066 d'un administré <img src=x onerror=alert(1)> "
    "dans <script>alert('x')</script>ChatGPT ?\u200b"
)
UNWANTED = ("\x00", "\u202e", "\u2066", "\u200b", "<img", "<script", "</script>")


def test_control_characters_and_html_are_not_echoed(client, server):
    """NUL, right-to-left overrides and raw HTML typed in a question (or in an earlier turn)
    come back neither in the answer's echo of the question nor in the log."""
    answer = client.post("/api/ask", json={"question": HOSTILE})
    assert answer.status_code == 200
    body = answer.json()
    follow_up = client.post(
        "/api/ask",
        json={
            "question": "Et pour <b onmouseover=alert(1)>ça</b>\u202e ?",
            "history": [
                {"role": "user", "content": HOSTILE},
                {"role": "assistant", "content": body["answer"]},
            ],
        },
    ).json()
    for record in (body, follow_up):
        for field in ("scrubbed_question", "standalone_question"):
            assert not any(bad in record[field] for bad in UNWANTED), (field, record[field])
    assert body["scrubbed_question"].startswith("Puis-je coller le dossier d'un administré")
    assert "ChatGPT" in body["scrubbed_question"]
    assert "administré" in follow_up["standalone_question"]  # the history was still used
    log = server.journal("questions")
    assert not any(bad in log for bad in ("\\u0000", "\\u202e", "<img", "<script"))


def test_a_body_that_is_not_json_gets_a_french_error(client, trainer):
    for body in (b'{"question": "caf\xe9 ?"}', b"\x80\x81", "question=café".encode()):
        response = client.post(
            "/api/ask", content=body, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, body
        detail = response.json()["detail"]
        assert detail.startswith("Requête invalide"), detail
    broken_form = trainer.post(
        "/api/documents", content=b"des octets", headers={"Content-Type": "multipart/form-data"}
    )
    assert broken_form.status_code == 400
    assert broken_form.json()["detail"].startswith("Requête invalide"), broken_form.text
