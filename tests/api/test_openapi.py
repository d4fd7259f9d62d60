"""The OpenAPI schema says what the server does: errors have the app's French body, every
status a route answers is documented, the limits of a question fit the body limit, enums hold
what is accepted. (tests/api/test_contract.py fuzzes the same contract with schemathesis.)"""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def openapi(server) -> dict:
    return httpx.get(f"{server.base_url}/openapi.json").json()


def _resolve(openapi: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _error_schema(openapi: dict, path: str, method: str, status: int) -> dict:
    response = openapi["paths"][path][method]["responses"][str(status)]
    assert list(response["content"]) == ["application/json"], (path, method, status)
    return _resolve(openapi, response["content"]["application/json"]["schema"])


def test_every_error_is_documented_with_the_french_error_body(openapi):
    error = openapi["components"]["schemas"]["ErrorResponse"]
    assert error["properties"]["detail"]["type"] == "string"
    assert error["required"] == ["detail"] and error["additionalProperties"] is False
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status in operation["responses"]:
                if int(status) >= 400 and path != "/health":
                    assert _error_schema(openapi, path, method, int(status)) == error, (
                        path,
                        method,
                        status,
                    )


def test_a_validation_error_is_one_french_sentence_as_documented(openapi, client):
    response = client.post("/api/ask", json={"question": ""})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    assert body["detail"].startswith("Requête invalide — « question »")
    assert "422" in openapi["paths"]["/api/ask"]["post"]["responses"]


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/documents", "get", {401, 403, 422, 429}),
        ("/api/documents", "post", {400, 401, 403, 413, 422, 429}),
        ("/api/documents/{doc_id}", "get", {401, 403, 404, 422, 429}),
        ("/api/documents/{doc_id}", "put", {400, 401, 403, 404, 413, 422, 429}),
        ("/api/documents/{doc_id}", "delete", {401, 403, 404, 422, 429}),
        ("/api/documents/{doc_id}/approve", "post", {401, 403, 404, 409, 422, 429}),
        ("/api/analytics/questions", "get", {401, 403, 422, 429}),
        ("/api/analytics/export.csv", "get", {401, 403, 422, 429}),
        ("/api/ask", "post", {400, 401, 413, 422, 429}),
        ("/api/ask/stream", "post", {400, 401, 413, 422, 429}),
        ("/api/check", "post", {400, 401, 413, 422, 429}),
        ("/api/feedback", "post", {400, 401, 413, 422, 429}),
        ("/api/passages/{chunk_id}", "get", {404}),
        ("/api/retours", "post", {400, 401, 413, 422, 429}),
        ("/api/retours", "get", {401, 403, 422, 429}),
        ("/api/retours/{retour_id}/publish", "post", {401, 403, 404, 409, 422, 429}),
        ("/api/retours/{retour_id}/reject", "post", {401, 403, 404, 409, 422, 429}),
        ("/api/retours/{retour_id}/merge", "post", {400, 401, 403, 404, 409, 413, 422, 429}),
        ("/api/retours/{retour_id}/draft", "get", {401, 403, 404, 409, 422, 429}),
        ("/api/priorities", "get", {401, 403, 422, 429}),
        ("/v1/models", "get", {401, 429}),
        ("/v1/chat/completions", "post", {400, 401, 404, 413, 422, 429}),
    ],
)
def test_the_statuses_a_route_answers_are_documented(openapi, path, method, statuses):
    documented = {int(s) for s in openapi["paths"][path][method]["responses"]}
    assert statuses <= documented, statuses - documented


def test_trainer_routes_answer_the_documented_404_409_and_413(trainer, server):
    assert trainer.get("/api/documents/inconnu").status_code == 404
    assert trainer.delete("/api/documents/inconnu").status_code == 404
    assert trainer.post("/api/documents/charte-ia/approve").status_code == 409
    limit = int(server.container.settings.ingestion.max_upload_mb * 1_048_576)
    too_big = trainer.post(
        "/api/documents", files={"files": ("gros.md", b"a" * (limit + 1), "text/markdown")}
    )
    assert too_big.status_code == 413
    assert too_big.json()["detail"].startswith("Requête trop volumineuse")


def test_the_longest_question_the_schema_allows_fits_the_body_limit(openapi, client):
    """A question and history at every maximum of the schema, in accented French (two bytes
    a character in UTF-8), is answered: the schema promises nothing the 64 Ko limit refuses."""
    schemas = openapi["components"]["schemas"]
    ask = schemas["AskRequest"]["properties"]
    turn = schemas["HistoryTurn"]["properties"]
    filler = "Qu'a décidé l'élu à propos de la sécurité ? "

    def text(length: int) -> str:
        return (filler * (length // len(filler) + 1))[:length]

    body = {
        "question": text(ask["question"]["maxLength"]),
        "history": [
            {"role": ("user", "assistant")[i % 2], "content": text(turn["content"]["maxLength"])}
            for i in range(ask["history"]["maxItems"])
        ],
        "conversation_id": "c" * 64,
        "theme": "charte",
        "job": "secretariat",
    }
    size = len(httpx.Request("POST", "http://x", json=body).content)
    response = client.post("/api/ask", json=body, timeout=120)
    assert response.status_code == 200, (size, response.text[:200])


def test_the_schema_refuses_the_roles_the_server_refuses(openapi, client):
    roles = openapi["components"]["schemas"]["ChatMessage"]["properties"]["role"]["enum"]
    assert "tool" not in roles
    history_roles = openapi["components"]["schemas"]["HistoryTurn"]["properties"]["role"]
    assert history_roles["enum"] == ["user", "assistant"]
    messages = [
        {"role": "user", "content": "Puis-je utiliser ChatGPT ?"},
        {"role": "tool", "content": "résultat", "tool_call_id": "appel-1"},
    ]
    response = client.post(
        "/v1/chat/completions", json={"model": "assistant-charte", "messages": messages}
    )
    assert response.status_code == 422
    assert "« messages.1.role » : valeur non reconnue" in response.json()["detail"]
    model = openapi["components"]["schemas"]["ChatCompletionRequest"]["properties"]["model"]
    assert model["enum"] == ["assistant-charte"]


def test_a_wrong_method_names_every_method_of_the_path(trainer):
    response = trainer.patch("/api/documents/charte-ia")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT, DELETE"
    assert trainer.request("OPTIONS", "/api/documents").headers["allow"] == "GET, POST"


def test_an_unreadable_body_is_a_documented_400_in_french(client):
    response = client.post(
        "/api/ask", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    from assistant.api.errors import UNREADABLE_BODY

    assert response.json() == {"detail": UNREADABLE_BODY}
    assert UNREADABLE_BODY.startswith("Requête invalide")
