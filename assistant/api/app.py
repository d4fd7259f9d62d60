"""The app factory and the server.

``create_app(container)`` receives everything it needs; nothing is built at import time. The
lifespan warms the heavy parts up (embeddings, spaCy, index), checks the LLM backend once, then
a background task re-checks it every 30 s and purges expired log entries daily.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import SQLAlchemyError

from assistant.api.errors import install_error_handlers
from assistant.api.middleware import (
    BodySizeLimitMiddleware,
    InternalErrorMiddleware,
    RequestMetricsMiddleware,
)
from assistant.api.routes import (
    analytics,
    ask,
    bilan,
    check,
    documents,
    feedback,
    health,
    imports,
    openai_compat,
    passages,
    priorities,
    queue,
    retours,
)
from assistant.services.state import Services
from guardrails.injection import warm_up as injection_guard_warm_up

if TYPE_CHECKING:
    from assistant.container import Container

log = logging.getLogger("assistant.api")

#: Mounts a web interface on the app, given the app and its services (see ``create_app``).
MountUi = Callable[[FastAPI, Services], None]

BACKEND_POLL_S = 5.0  # the selector itself re-checks only every ``recheck_s`` (30 s)
PURGE_EVERY_S = 24 * 3600.0
QUEUE_SYNC_EVERY_S = 60.0

DESCRIPTION = """\
Assistant IA souverain du syndicat Territoires Numériques : il répond aux agents des
collectivités à partir de la charte d'utilisation de l'IA et des fiches de bonnes pratiques,
cite ses sources, dit quand le corpus ne couvre pas la question, et **ne transmet jamais de
donnée personnelle au modèle** (les questions sont anonymisées avant tout envoi).

- **Agents** : `POST /api/ask` (ou `/api/ask/stream` en flux), `POST /api/check`
  (« vérifier mon texte »), `POST /api/feedback`, `POST /api/retours` (partager un retour
  d'expérience). Sans compte ; si un code d'accès de
  webinaire est configuré, il se donne dans l'en-tête `X-Code-Acces`.
- **Formateurs** (authentification HTTP Basic ou jeton `Bearer`) : `/api/documents`,
  `/api/imports` (suivi et annulation des imports en arrière-plan), `/api/analytics`,
  `/api/retours` (modération des retours d'expérience), `/api/priorities` (cas d'usage
  prioritaires).
- **Compatible OpenAI** : `GET /v1/models`, `POST /v1/chat/completions` (modèle
  `assistant-charte`).
- **Supervision** : `/health`, `/metrics` (Prometheus).

Toutes les erreurs sont en JSON : `{"detail": "<message en français>"}`.
"""

ROUTERS = (
    ask.router,
    check.router,
    feedback.router,
    passages.router,
    documents.router,
    imports.router,
    analytics.router,
    bilan.router,
    retours.router,
    priorities.router,
    queue.router,
    openai_compat.router,
    health.router,
)


def create_app(container: Container, *, ui: MountUi | None = None) -> FastAPI:
    """Build the HTTP app around ``container`` (one per process; tests may build several).

    ``ui``: a function that mounts a web interface at ``/`` on the app, given the app and its
    services (``assistant serve`` passes the one ``server.ui`` names, by default the Gradio
    page ``ui.app:mount_ui``, see ``assistant.cli.load_ui``); without one, ``/`` redirects to the
    API documentation.
    """
    state = Services.build(container)
    settings = container.settings
    app = FastAPI(
        title="Assistant IA de la charte — API",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=_lifespan,
        openapi_tags=[
            {
                "name": "Questions des agents",
                "description": "Poser une question, vérifier un texte, donner son avis.",
            },
            {"name": "Sources", "description": "Les passages du corpus cités par les réponses."},
            {
                "name": "Espace formateur : corpus",
                "description": "Ajouter, remplacer, retirer, "
                "valider des documents (authentification formateur).",
            },
            {
                "name": "Espace formateur : suivi",
                "description": "Questions anonymisées, "
                "statistiques du webinaire, export du rapport (authentification formateur).",
            },
            {
                "name": "Compatible OpenAI",
                "description": "L'assistant comme un modèle, pour tout client OpenAI.",
            },
            {"name": "Supervision", "description": "État du service et métriques."},
        ],
    )
    app.state.api = state
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    _register_gauges(state)
    app.add_middleware(
        BodySizeLimitMiddleware,
        json_limit=settings.server.max_request_kb * 1024,
        upload_limit=int(settings.ingestion.max_upload_mb * 1_048_576),
    )
    app.add_middleware(InternalErrorMiddleware)
    app.add_middleware(RequestMetricsMiddleware, metrics=state.metrics)  # outermost
    if ui is not None:
        ui(app, state)
    else:

        @app.get("/", include_in_schema=False)
        async def home() -> RedirectResponse:
            return RedirectResponse("/docs")

    return app


def _register_gauges(state: Services) -> None:
    container = state.container
    metrics = state.metrics
    metrics.gauge(
        "assistant_generation_queue_waiting",
        "Questions en attente d'une place auprès du modèle de langage.",
        lambda: container.chat_engine.waiting,
    )
    metrics.gauge(
        "assistant_llm_degraded",
        "1 si le modèle de langage configuré ne répond pas (réponses extractives), sinon 0.",
        lambda: 1.0 if container.backends.degraded else 0.0,
    )
    metrics.gauge(
        "assistant_corpus_chunks", "Passages indexés.", lambda: container.index.chunk_count()
    )
    metrics.gauge(
        "assistant_corpus_documents",
        "Documents du corpus (quarantaine comprise).",
        lambda: len(container.index.documents()),
    )


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: Services = app.state.api
    await _warm_up(state)
    await _check_backend(state)
    if state.tune_garbage_collector:
        tune_garbage_collector()
    tasks = [
        asyncio.create_task(_maintenance(state), name="assistant-maintenance"),
        asyncio.create_task(_follow_corpus(state), name="assistant-corpus"),
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Imports in flight are cancelled: they stop after their current batch, leaving the
        # index as it was.
        await asyncio.to_thread(state.imports.shutdown)
        state.io_executor.shutdown(wait=True)  # pending log lines are written


def tune_garbage_collector() -> None:
    """Keep full garbage collections short and rare in the serving process.

    Each full collection holds the GIL while it walks every tracked object: measured under
    webinar load (``eval/bench_load.py``), 0.2 to 0.3 s during which no token left the server,
    the cause of most first tokens later than 250 ms there. The objects built at startup
    (models, spaCy, index, Gradio, the LLM client) are frozen out of collection, and the first
    generation is collected every 10,000 allocations instead of 700: cyclic garbage waits a
    little longer, full collections come about fourteen times less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


async def _warm_up(state: Services) -> None:
    """Load the embedding model, spaCy and the index before the first agent asks."""
    container = state.container
    started = time.perf_counter()

    def warm() -> None:
        engine = container.chat_engine
        index = engine.retriever.index
        # The server writes to the index: it repairs what a dead writer left, unless another
        # process is importing right now (that import, or the next, repairs then).
        repair = index.try_repair()
        if repair is not None and repair.changed:
            log.warning(
                "index repaired at start",
                extra={
                    "orphans": repair.orphan_chunks_removed,
                    "incomplete": len(repair.incomplete_documents_dropped),
                },
            )
        # One retrieval builds the BM25 snapshot, loads the embedding model and embeds the
        # section headings the refusal gate compares questions with (assistant/topics.py).
        engine.retriever.retrieve("charte informatique")
        container.question_scrubber.scrub("Bonjour, je suis Marie Martin.")
        injection_guard_warm_up()

    try:
        await asyncio.to_thread(warm)
        state.warm = True
    except Exception as error:
        state.warm_error = type(error).__name__
        log.error("warm-up failed", exc_info=(type(error), error, error.__traceback__))
    log.info(
        "warm-up", extra={"ok": state.warm, "seconds": round(time.perf_counter() - started, 2)}
    )


async def _check_backend(state: Services, *, due_only: bool = False) -> None:
    backends = state.container.backends
    try:
        if due_only:
            await backends.refresh_if_due()
        else:
            status = await backends.refresh()
            log.info(
                "llm backend",
                extra={"backend": backends.in_use, "ready": status.ready, "detail": status.detail},
            )
    except Exception as error:
        log.warning("llm backend check failed", extra={"error": type(error).__name__})


async def _follow_corpus(state: Services) -> None:
    """Take in the corpus changes other processes and replicas made: their shared generation
    is read every second (``CorpusIndex.refresh_if_due``), the index reloaded when it moved."""
    while True:
        await asyncio.sleep(1.0)
        try:
            index = state.container.index
            if await state.run_io(index.refresh_if_due):
                log.info("corpus changed elsewhere", extra={"chunks": index.chunk_count()})
        except Exception as error:
            log.error("corpus refresh failed", extra={"error": type(error).__name__})


async def _maintenance(state: Services) -> None:
    """Re-check the LLM backend (every 30 s), take the new refused, partial and voted-down
    questions into the trainers' queue (every minute) and purge expired log entries (daily)."""
    last_purge = last_queue_sync = -PURGE_EVERY_S
    retention = state.settings.privacy.question_log_retention_days
    while True:
        now = time.monotonic()
        if now - last_purge >= PURGE_EVERY_S:
            last_purge = now
            try:
                removed = await state.run_io(state.question_log.purge, retention)
                if any(removed.values()):
                    log.info("log purge", extra=removed)
            except (OSError, SQLAlchemyError) as error:
                log.error("log purge failed", extra={"error": type(error).__name__})
        await asyncio.sleep(BACKEND_POLL_S)
        if now - last_queue_sync >= QUEUE_SYNC_EVERY_S:
            last_queue_sync = now
            await _sync_queue(state)
        was_degraded = state.container.backends.degraded
        await _check_backend(state, due_only=True)
        if state.container.backends.degraded != was_degraded:
            log.warning(
                "llm backend changed",
                extra={
                    "backend": state.container.backends.in_use,
                    "degraded": state.container.backends.degraded,
                },
            )


async def _sync_queue(state: Services) -> None:
    """The trainers' queue takes in the new questions (each embedded once, off the loop)."""
    from assistant.services.queue import QueueService

    try:
        added = await state.run_io(QueueService(state.container).catch_up)
        if added:
            log.info("queue updated", extra={"questions": added})
    except Exception as error:
        log.error("queue update failed", extra={"error": type(error).__name__})


def server_config(app: FastAPI, *, host: str, port: int, settings: Any):
    """The uvicorn configuration used by ``run_server`` (and by the tests and benchmarks)."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.server.forwarded_allow_ips,
        # Longer than the idle timeout of clients and load balancers (often 60 s), so that a
        # kept-alive connection is never closed just as it is reused.
        timeout_keep_alive=75,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )


def run_server(container: Container, host: str, port: int, *, ui: MountUi | None = None) -> None:
    """Serve the app with uvicorn (called by ``assistant serve``); JSON logs on stderr."""
    import uvicorn

    from assistant.api.logs import configure_logging

    configure_logging()
    # Worker threads (masking, retrieval) hold the GIL in bursts; a shorter switch interval
    # than CPython's 5 ms lets the event loop forward tokens to a hundred streams in between.
    sys.setswitchinterval(0.001)
    app = create_app(container, ui=ui)
    app.state.api.tune_garbage_collector = True
    log.info("serving", extra={"host": host, "port": port})
    uvicorn.Server(server_config(app, host=host, port=port, settings=container.settings)).run()
