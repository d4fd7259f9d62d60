"""Supervision routes: /health and /metrics (Prometheus text format)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_health_reports_backend_models_and_corpus(anonymous):
    response = anonymous.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["backend"] == "extractive"
    assert body["llm_mode"] == "extractive"
    assert body["models"]["embeddings"] == "hashing/256"
    assert body["corpus"] == {"documents": 3, "quarantined": 0, "chunks": 4}
    assert body["queue"] == {"waiting": 0}
    assert body["problems"] == []


def test_metrics_count_requests_answers_and_personal_data(client, anonymous):
    client.post("/api/ask", json={"question": "Mon numéro est le 06 12 34 56 78, et ChatGPT ?"})
    client.post("/api/check", json={"text": "Écrivez à jeanne.martin@example.org"})
    response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    values = samples(response.text)
    assert values[("assistant_questions_total", (("backend", "extractive"), ("channel", "api")))]
    assert (
        values[("assistant_pii_findings_total", (("source", "question"), ("type", "TÉLÉPHONE")))]
        >= 1
    )
    assert (
        values[("assistant_pii_findings_total", (("source", "verification"), ("type", "EMAIL")))]
        >= 1
    )
    assert values[("assistant_corpus_chunks", ())] == 4
    assert values[("assistant_llm_degraded", ())] == 0
    requests = [
        v
        for (name, labels), v in values.items()
        if name == "assistant_http_requests_total"
        and ("route", "/api/ask") in labels
        and ("status", "200") in labels
    ]
    assert requests and requests[0] >= 1
    assert any(name == "assistant_http_request_duration_seconds_bucket" for name, _ in values)
    assert any(name == "assistant_time_to_first_token_seconds_count" for name, _ in values)
    assert "assistant_refusals_total" in response.text
    assert "assistant_llm_errors_total" in response.text
    assert "assistant_llm_fallbacks_total" in response.text
    # Raw values never reach the metrics.
    assert "06 12 34 56 78" not in response.text and "jeanne" not in response.text


def test_every_response_carries_a_request_id(anonymous):
    assert len(anonymous.get("/health").headers["x-request-id"]) == 16
