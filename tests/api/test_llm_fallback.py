"""The generative path behind the API: restored placeholders for the caller only, and an
extractive answer (never a 500) when the model fails or Ollama is down."""

from __future__ import annotations

import json

import httpx
import pytest

from assistant.llm import BackendSelector, ExtractiveAnswerer
from assistant.prompts import FALLBACK_NOTICE
from tests.api.conftest import (
    ACCESS_CODE,
    all_bytes_under,
    build_container,
    free_socket,
    ingest_documents,
    serve,
)
from tests.doubles import ScriptedChatBackend
from tests.servers.sse import parse_sse, parse_sse_json

pytestmark = pytest.mark.slow

QUESTION = "Je suis Marie Dupont : puis-je coller le dossier d'un administré dans ChatGPT ?"
HEADERS = {"X-Code-Acces": ACCESS_CODE}


def scripted_server(tmp_path_factory, scrubber, backend: ScriptedChatBackend):
    container = build_container(tmp_path_factory.mktemp("llm-data"), scrubber)
    ingest_documents(container)
    container.__dict__["generative_backend"] = backend
    container.__dict__["backends"] = BackendSelector("auto", backend, ExtractiveAnswerer())
    return serve(container)


@pytest.fixture(scope="module")
def working(tmp_path_factory, shared_scrubber):
    backend = ScriptedChatBackend(
        ["Non : [PERSONNE_1] ne doit pas coller ce dossier dans un service grand public [1]."]
    )
    with scripted_server(tmp_path_factory, shared_scrubber, backend) as live:
        yield live, backend


@pytest.fixture(scope="module")
def failing(tmp_path_factory, shared_scrubber):
    backend = ScriptedChatBackend(["Début de réponse [1] puis coupure."], fail_after=2)
    with scripted_server(tmp_path_factory, shared_scrubber, backend) as live:
        yield live, backend


def test_placeholders_are_restored_for_the_caller_and_never_sent_or_stored(working):
    live, backend = working
    response = httpx.post(
        f"{live.base_url}/api/ask", json={"question": QUESTION}, headers=HEADERS, timeout=60
    )
    assert response.status_code == 200
    body = response.json()
    assert body["backend"] == "scripted"
    assert body["answer"].startswith("Non : Marie Dupont ne doit pas coller")
    assert body["answer_scrubbed"].startswith("Non : [PERSONNE_1] ne doit pas")
    assert body["citations"][0]["doc_id"] == "charte-ia"
    assert "Dupont" not in backend.all_prompt_text()
    assert "[PERSONNE_1]" in backend.all_prompt_text()
    for path, data in all_bytes_under(live.data_dir):
        assert b"Dupont" not in data, path


def test_model_failure_mid_answer_falls_back_to_extracts(failing):
    live, _ = failing
    with httpx.Client(base_url=live.base_url, headers=HEADERS, timeout=60) as http:
        with http.stream("POST", "/api/ask/stream", json={"question": QUESTION}) as response:
            assert response.status_code == 200
            events = parse_sse_json(response.read())
        names = [name for name, _ in events]
        assert names[-2:] == ["sources", "final"]
        tokens = [data["text"] for name, data in events if name == "token"]
        assert "".join(tokens).startswith("Début de")  # the model's words, then the notice
        assert "Le modèle de langage s'est interrompu" in tokens[-1]
        final = events[-1][1]
        assert final["backend"] == "scripted→extractive"
        assert final["fallback"] == "Connexion au modèle interrompue (test)."

        # In ``auto`` mode the failed model is set aside: the next answers are extractive.
        after = http.post("/api/ask", json={"question": "Comment choisir un mot de passe ?"})
        assert after.status_code == 200
        assert after.json()["backend"] == "extractive"
        health = http.get("/health").json()
        assert health["status"] == "degraded"
        assert health["backend"] == "extractive"
        assert health["last_llm_failure"] == "Connexion au modèle interrompue (test)."
        metrics = http.get("/metrics").text
        assert 'assistant_llm_errors_total{backend="scripted"} 1.0' in metrics
        assert 'assistant_llm_fallbacks_total{reason="erreur"} 1.0' in metrics
        assert 'assistant_llm_fallbacks_total{reason="indisponible"} 1.0' in metrics
        assert "assistant_llm_degraded 1.0" in metrics


@pytest.fixture(scope="module")
def ollama_down(tmp_path_factory, shared_scrubber):
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there: connections are refused, as when Ollama is down
    container = build_container(
        tmp_path_factory.mktemp("ollama-down"),
        shared_scrubber,
        llm={"backend": "ollama", "ollama_url": f"http://127.0.0.1:{port}"},
    )
    ingest_documents(container)
    with serve(container) as live:
        yield live


def test_ollama_down_gives_extractive_answers_not_500(ollama_down):
    with httpx.Client(base_url=ollama_down.base_url, headers=HEADERS, timeout=60) as http:
        response = http.post("/api/ask", json={"question": QUESTION})
        assert response.status_code == 200
        body = response.json()
        assert body["backend"] == "ollama→extractive"
        assert body["answer"].startswith(FALLBACK_NOTICE)
        assert body["citations"]
        completion = http.post(
            "/v1/chat/completions",
            json={
                "model": "assistant-charte",
                "stream": True,
                "messages": [{"role": "user", "content": "Comment choisir un mot de passe ?"}],
            },
        )
        assert completion.status_code == 200
        chunks = [json.loads(data) for _, data in parse_sse(completion.text) if data != "[DONE]"]
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
        assert text.startswith(FALLBACK_NOTICE)
        assert chunks[-1]["sources"]
        assert completion.text.rstrip().endswith("data: [DONE]")
        health = http.get("/health").json()
        assert health["status"] == "degraded"
        assert health["llm"]["reachable"] is False
        assert any("modèle de langage indisponible" in p for p in health["problems"])
