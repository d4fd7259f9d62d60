"""Prometheus metrics of one app, in its own registry (several apps may live in one process)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)


class ApiMetrics:
    """Counters and histograms of requests, answers, refusals, personal data and LLM errors."""

    def __init__(self) -> None:
        disable_created_metrics()  # the *_created series only double the output
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "assistant_http_requests",
            "Requêtes HTTP traitées, par méthode, route et code de réponse.",
            ["method", "route", "status"],
            registry=r,
        )
        self.request_seconds = Histogram(
            "assistant_http_request_duration_seconds",
            "Durée des requêtes HTTP (flux compris), en secondes.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_progress = Gauge(
            "assistant_http_requests_in_progress", "Requêtes HTTP en cours.", registry=r
        )
        self.questions = Counter(
            "assistant_questions",
            "Questions traitées, par canal et moteur ayant répondu.",
            ["channel", "backend"],
            registry=r,
        )
        self.answer_seconds = Histogram(
            "assistant_answer_duration_seconds",
            "Durée totale d'une réponse, en secondes.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.first_token_seconds = Histogram(
            "assistant_time_to_first_token_seconds",
            "Délai avant le premier morceau de réponse, en secondes.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.refusals = Counter(
            "assistant_refusals",
            "Questions auxquelles le corpus ne répond pas (refus).",
            registry=r,
        )
        self.flagged_questions = Counter(
            "assistant_questions_flagged_injection",
            "Questions signalées comme tentative d'injection d'instructions.",
            registry=r,
        )
        self.pii_findings = Counter(
            "assistant_pii_findings",
            "Données personnelles masquées, par type et origine.",
            ["type", "source"],
            registry=r,
        )
        self.llm_errors = Counter(
            "assistant_llm_errors",
            "Erreurs du moteur de génération (coupure, délai, modèle absent).",
            ["backend"],
            registry=r,
        )
        self.llm_fallbacks = Counter(
            "assistant_llm_fallbacks",
            "Réponses extractives servies à la place du modèle de langage, par raison.",
            ["reason"],
            registry=r,
        )
        self.rate_limited = Counter(
            "assistant_rate_limited",
            "Requêtes refusées par la limitation de débit (429).",
            ["scope"],
            registry=r,
        )
        self.feedback = Counter("assistant_feedback", "Avis reçus, par vote.", ["vote"], registry=r)
        self.ingestions = Counter(
            "assistant_ingestions",
            "Fichiers importés par l'API, par issue.",
            ["status"],
            registry=r,
        )
        self._gauges: list[tuple[Gauge, Callable[[], float]]] = []

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge read at scrape time; a failing reader reports NaN instead of breaking."""

        def safe() -> float:
            try:
                return float(read())
            except Exception:
                return math.nan

        gauge = Gauge(name, documentation, registry=self.registry)
        gauge.set_function(safe)
        self._gauges.append((gauge, safe))

    def observe_answer(
        self,
        record: Any,
        *,
        channel: str,
        configured_backend: str,
        first_token_s: float | None,
        total_s: float,
    ) -> None:
        self.questions.labels(channel, record.backend).inc()
        self.answer_seconds.labels(channel).observe(total_s)
        if first_token_s is not None:
            self.first_token_seconds.labels(channel).observe(first_token_s)
        if record.refused:
            self.refusals.inc()
        if record.question_flagged:
            self.flagged_questions.inc()
        for finding in record.findings:
            self.pii_findings.labels(finding["type"], "question").inc()
        if record.fallback:
            self.llm_errors.labels(record.backend.split("→")[0]).inc()
            self.llm_fallbacks.labels("erreur").inc()
        elif (
            configured_backend != "extractive"
            and record.backend == "extractive"
            and not record.refused
        ):
            self.llm_fallbacks.labels("indisponible").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
