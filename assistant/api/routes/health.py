"""Supervision: health for load balancers and Docker, Prometheus metrics."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from assistant.api.deps import ServicesDep
from assistant.services.state import Services

router = APIRouter(tags=["Supervision"])


def configured_chat_model(settings: Any) -> str | None:
    llm = settings.llm
    return {
        "auto": llm.ollama_model,
        "ollama": llm.ollama_model,
        "openai": llm.openai_model,
    }.get(llm.backend)


def health_report(state: Services) -> tuple[int, dict[str, Any]]:
    container = state.container
    settings = container.settings
    problems: list[str] = []
    report: dict[str, Any] = {
        "status": "ok",
        "uptime_s": round(time.monotonic() - state.started_at, 1),
    }
    backends = container.backends
    report["llm_mode"] = backends.mode
    report["backend"] = backends.in_use
    report["llm"] = backends.status.to_dict() if backends.status else None
    if backends.degraded:
        detail = backends.status.detail if backends.status else "pas encore vérifié"
        problems.append(f"modèle de langage indisponible ({detail}) : réponses extractives")
    if backends.last_failure and backends.degraded:
        report["last_llm_failure"] = backends.last_failure
    report["models"] = {"chat": configured_chat_model(settings), "in_use": None}
    report["models"]["in_use"] = getattr(backends.current(), "model", "extractif")
    http_status = 200
    try:
        report["models"]["embeddings"] = container.embedder.model_id
        documents = container.index.documents()
        quarantined = sum(1 for d in documents if d.status == "quarantined")
        report["corpus"] = {
            "documents": len(documents) - quarantined,
            "quarantined": quarantined,
            "chunks": container.index.chunk_count(),
        }
        if not report["corpus"]["chunks"]:
            problems.append("corpus vide : importez des documents")
        report["queue"] = {"waiting": container.chat_engine.waiting}
    except Exception as error:
        http_status = 503
        report["status"] = "indisponible"
        problems.append(f"index ou base vectorielle inaccessible ({type(error).__name__})")
    if not state.warm and state.warm_error:
        problems.append(f"préchargement incomplet ({state.warm_error})")
    if problems and http_status == 200:
        report["status"] = "degraded"
    report["problems"] = problems
    return http_status, report


@router.get(
    "/health",
    summary="État du service",
    responses={
        503: {
            "description": "Index ou base vectorielle inaccessible (même rapport, état "
            "`indisponible`).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def health(state: ServicesDep) -> JSONResponse:
    """État du service : `ok`, `degraded` (il répond, mais par exemple sans modèle de
    langage : réponses extractives) ou `indisponible` (503). Indique le moteur en service,
    les modèles, la taille du corpus et la file d'attente du modèle."""
    status, report = await state.run_io(health_report, state)
    return JSONResponse(report, status_code=status)


@router.get(
    "/metrics",
    summary="Métriques Prometheus",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(state: ServicesDep) -> Response:
    """Métriques au format Prometheus : requêtes et durées, délai avant le premier jeton,
    refus, données personnelles masquées par type, erreurs et replis du modèle de langage,
    file d'attente, taille du corpus."""
    body = await state.run_io(state.metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
