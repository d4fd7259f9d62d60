"""Roles: agents (webinar access code), trainers (Basic or bearer token), anonymous callers."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import ACCESS_CODE, TRAINER, TRAINER_TOKEN

pytestmark = pytest.mark.slow

QUESTION = {"question": "Comment choisir un mot de passe ?"}


def test_agent_routes_need_the_access_code_when_one_is_set(anonymous):
    for method, path, body in [
        ("POST", "/api/ask", QUESTION),
        ("POST", "/api/ask/stream", QUESTION),
        ("POST", "/api/check", {"text": "Bonjour"}),
        ("POST", "/api/feedback", {"question_id": "0" * 32, "vote": "up"}),
        ("GET", "/v1/models", None),
    ]:
        response = anonymous.request(method, path, json=body)
        assert response.status_code == 401, path
        assert response.json()["detail"].startswith("Code d'accès manquant ou incorrect"), path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [{"X-Code-Acces": ACCESS_CODE}, {"Authorization": f"Bearer {ACCESS_CODE}"}],
    ids=["en-tete", "bearer"],
)
def test_access_code_opens_agent_routes(anonymous, headers):
    assert anonymous.post("/api/ask", json=QUESTION, headers=headers).status_code == 200


def test_wrong_access_code_is_401(anonymous):
    response = anonymous.post("/api/ask", json=QUESTION, headers={"X-Code-Acces": "devine"})
    assert response.status_code == 401


def test_trainer_routes_refuse_anonymous_callers_with_401(anonymous):
    for path in ("/api/documents", "/api/analytics/questions", "/api/analytics/export.csv"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.json()["detail"].startswith("Authentification requise")
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_access_code_on_a_trainer_route_is_403(anonymous):
    for headers in ({"X-Code-Acces": ACCESS_CODE}, {"Authorization": f"Bearer {ACCESS_CODE}"}):
        response = anonymous.get("/api/documents", headers=headers)
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Accès refusé : cet espace est réservé aux formateurs."
        }


def test_trainer_with_basic_auth(anonymous):
    response = anonymous.get("/api/documents", auth=httpx.BasicAuth(*TRAINER))
    assert response.status_code == 200
    assert {d["doc_id"] for d in response.json()} >= {"charte-ia", "fiche-mots-de-passe"}


def test_trainer_with_bearer_token(anonymous):
    response = anonymous.get("/api/documents", headers={"Authorization": f"Bearer {TRAINER_TOKEN}"})
    assert response.status_code == 200


def test_trainer_credentials_also_open_agent_routes(anonymous):
    response = anonymous.post("/api/ask", json=QUESTION, auth=httpx.BasicAuth(*TRAINER))
    assert response.status_code == 200


def test_wrong_password_is_401_and_repeated_failures_are_throttled(anonymous):
    wrong = httpx.BasicAuth(TRAINER[0], "pas-le-bon")
    statuses = [anonymous.get("/api/documents", auth=wrong).status_code for _ in range(10)]
    assert statuses == [401] * 10
    locked = anonymous.get("/api/documents", auth=httpx.BasicAuth(*TRAINER))
    assert locked.status_code == 429
    assert locked.json()["detail"].startswith("Trop de tentatives d'authentification")
    assert locked.headers["Retry-After"] == "60"
