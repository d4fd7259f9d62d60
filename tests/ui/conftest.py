"""The real app in a real browser: ``create_app(container)`` served by uvicorn on 127.0.0.1, and
Debian's Chromium driven by Playwright (never a downloaded browser build).

The container mirrors the root ``container`` fixture (hashing embeddings, extractive answers, no
refusal threshold) with a few small Markdown documents and one trainer; it lives for the whole
session because a server start loads spaCy. Every page records the requests it makes, so a test
can check that nothing was fetched from any host but the server. Screenshots of each step go
to ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assistant.security import hash_password

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TRAINER = ("formatrice", "mot-de-passe-formatrice")

# One paragraph per line: hard-wrapped lines would split sentences in extractive answers.
DOCUMENTS = {
    "charte-ia.md": """---
id: charte-ia
title: Charte d'utilisation de l'IA
theme: charte
audience: tous les agents
version: "2"
updated: 2025-01-15
---
# Charte d'utilisation de l'IA

## Article 3 — Données personnelles

Il est interdit de coller le dossier d'un administré dans un service d'IA grand public comme \
ChatGPT. Les données personnelles des usagers ne doivent jamais quitter les outils validés par \
le syndicat. En cas de doute, contactez le DPO du syndicat.

## Article 5 — Relecture humaine

Toute production d'une IA générative doit être relue par un agent avant sa diffusion. L'agent \
reste responsable du contenu publié au nom de la collectivité.
""",
    "fiche-mots-de-passe.md": """---
id: fiche-mots-de-passe
title: Fiche cybersécurité — mots de passe
theme: cybersecurite
version: "1"
---
# Mots de passe et comptes

## Choisir un mot de passe

Un mot de passe robuste compte au moins douze caractères. Utilisez le gestionnaire de mots de \
passe fourni par le syndicat et activez la double authentification.
""",
    "fiche-sobriete.md": """---
id: fiche-sobriete
title: Sobriété numérique et IA
theme: numerique-responsable
version: "1"
---
# Sobriété numérique

## Consommation énergétique

Une requête à un grand modèle de langage consomme bien plus d'énergie qu'une recherche \
classique. Préférez les outils sobres et les modèles locaux de petite taille.
""",
}


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class LiveApp:
    """The running app: base URL and container."""

    base_url: str
    container: Any

    @property
    def data_dir(self) -> Path:
        return self.container.settings.data_dir

    def journal(self, name: str) -> str:
        path = self.data_dir / "journal" / name
        return path.read_text(encoding="utf-8") if path.exists() else ""


def build_container(data_dir: Path) -> Any:
    from assistant.container import Container
    from assistant.settings import load_settings

    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("ASSISTANT_"):
                patch.delenv(name)
        settings = load_settings(
            _env_file=None,
            data_dir=data_dir,
            corpus_dir=ROOT / "corpus",
            embeddings={"backend": "hashing"},
            llm={"backend": "extractive"},
            retrieval={"min_relevance": 0.0},
            auth={"trainers": {TRAINER[0]: hash_password(TRAINER[1])}},
        )
    container = Container(settings)
    for name, text in DOCUMENTS.items():
        outcome = container.ingestor.ingest_bytes(name, text.encode())
        assert outcome.status == "indexed", outcome.message
    return container


@contextlib.contextmanager
def serve(container: Any) -> Iterator[LiveApp]:
    """``create_app(container)`` (UI mounted at ``/``) with uvicorn on a free loopback port."""
    import uvicorn

    from assistant.api.app import create_app, server_config

    app = create_app(container)
    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        server_config(app, host="127.0.0.1", port=port, settings=container.settings)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("le serveur de test n'a pas démarré")
        time.sleep(0.05)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", container)
    finally:
        server.should_exit = True
        server.force_exit = True  # open event streams (Gradio's heartbeat) need no draining
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[LiveApp]:
    container = build_container(tmp_path_factory.mktemp("ui-data"))
    with serve(container) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium de Debian absent : `make test` l'installe (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class BrowserPage:
    """One agent's browser tab, with every request it made and a screenshot helper."""

    page: Any
    base_url: str
    name: str
    requests: list[str] = field(default_factory=list)

    def shot(self, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"ui-{self.name}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        allowed = (self.base_url + "/", "data:", "blob:")
        return [
            url for url in self.requests if url != self.base_url and not url.startswith(allowed)
        ]


@pytest.fixture
def page(browser, live, request) -> Iterator[BrowserPage]:
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, color_scheme="light"
    )
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    recorded = BrowserPage(tab, live.base_url, name)
    tab.on("request", lambda r: recorded.requests.append(r.url))
    tab.on("websocket", lambda ws: recorded.requests.append(ws.url))
    tab.goto(live.base_url + "/", wait_until="load")
    tab.locator("#question textarea").wait_for()
    try:
        yield recorded
    finally:
        context.close()
