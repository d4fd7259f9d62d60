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


# ---- lockouts: what is guessed, from where; never another caller's valid login ------------
def test_wrong_access_codes_do_not_lock_a_trainer_out(anonymous, client_ip):
    """Eleven wrong webinar codes from an address lock that address's code guesses only: the
    trainer at the same address still logs in, by password or token."""
    statuses = [
        anonymous.post("/api/ask", json=QUESTION, headers={"X-Code-Acces": "devine"}).status_code
        for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    assert anonymous.get("/api/documents", auth=httpx.BasicAuth(*TRAINER)).status_code == 200
    bearer = {"Authorization": f"Bearer {TRAINER_TOKEN}"}
    assert anonymous.get("/api/documents", headers=bearer).status_code == 200
    answer = anonymous.post("/api/ask", json=QUESTION, auth=httpx.BasicAuth(*TRAINER))
    assert answer.status_code == 200
    # The code itself stays locked for this address, whatever is tried.
    again = anonymous.post("/api/ask", json=QUESTION, headers={"X-Code-Acces": ACCESS_CODE})
    assert again.status_code == 429


def test_guessing_a_password_locks_that_account_from_that_address_only(
    server, anonymous, client_ip
):
    wrong = httpx.BasicAuth(TRAINER[0], "pas-le-bon")
    for _ in range(10):
        assert anonymous.get("/api/documents", auth=wrong).status_code == 401
    assert anonymous.get("/api/documents", auth=httpx.BasicAuth(*TRAINER)).status_code == 429
    # Agents at the same address are not concerned: their code is another credential.
    assert (
        anonymous.post("/api/ask", json=QUESTION, headers={"X-Code-Acces": ACCESS_CODE}).status_code
        == 200
    )
    # The trainer, from elsewhere, logs in.
    with httpx.Client(
        base_url=server.base_url, headers={"X-Forwarded-For": "192.0.2.250"}, timeout=60
    ) as elsewhere:
        assert elsewhere.get("/api/documents", auth=httpx.BasicAuth(*TRAINER)).status_code == 200


def test_guessing_unknown_accounts_does_not_lock_a_real_one(anonymous):
    for number in range(12):
        wrong = httpx.BasicAuth(f"compte-{number % 2}", "devine")
        assert anonymous.get("/api/documents", auth=wrong).status_code in (401, 429)
    assert anonymous.get("/api/documents", auth=httpx.BasicAuth(*TRAINER)).status_code == 200


def test_a_trainer_name_is_not_revealed_by_the_response_time(server):
    """A wrong password takes as long for an unknown name as for a real trainer's: the hash is
    computed either way (each attempt from its own address, so no lockout interferes)."""
    import statistics
    import time

    def timed(username: str, address: str) -> float:
        with httpx.Client(
            base_url=server.base_url, headers={"X-Forwarded-For": address}, timeout=60
        ) as http:
            started = time.perf_counter()
            response = http.get("/api/documents", auth=httpx.BasicAuth(username, "devine"))
            elapsed = time.perf_counter() - started
        assert response.status_code == 401
        return elapsed

    known, unknown = [], []
    for attempt in range(6):
        known.append(timed(TRAINER[0], f"192.0.2.{100 + attempt}"))
        unknown.append(timed("personne-de-ce-nom", f"192.0.2.{150 + attempt}"))
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)
