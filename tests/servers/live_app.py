"""The real app served for tests: ``create_app(container)`` with uvicorn on a free loopback
port in a background thread, and the small Markdown documents the API and UI tests index."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """A socket bound to a free loopback port, to hand to a server (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A loopback port free right now, for a server started in another process."""
    with free_socket() as sock:
        return sock.getsockname()[1]


def ingest_documents(container: Any) -> None:
    for name, text in DOCUMENTS.items():
        outcome = container.ingestor.ingest_bytes(name, text.encode())
        assert outcome.status == "indexed", outcome.message


def ingest_use_case_sheets(container: Any) -> None:
    """The corpus's cas-usage sheets, indexed (the use cases of the priorities and the bilan)."""
    folder = Path(__file__).resolve().parents[2] / "corpus" / "cas-usage"
    for path in sorted(folder.glob("*.md")):
        outcome = container.ingestor.ingest_bytes(path.name, path.read_bytes())
        assert outcome.status == "indexed", outcome.message


@dataclass
class LiveServer:
    """A running app: its base URL, app and container."""

    base_url: str
    app: Any
    container: Any

    @property
    def data_dir(self) -> Path:
        return self.container.settings.data_dir

    def journal(self, kind: str) -> str:
        """The ``questions`` or ``feedback`` records, one JSON line each, as stored."""
        entries = getattr(self.container.records, kind).read()
        return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)


@contextlib.contextmanager
def serve(
    container: Any, *, mount_ui: bool, start_timeout_s: float = 120, force_exit: bool = False
) -> Iterator[LiveServer]:
    """Start ``create_app(container)`` (with the Gradio page when ``mount_ui``) with uvicorn on
    a free loopback port, in a thread.

    ``force_exit``: stop without draining open event streams (Gradio's heartbeat).
    """
    from assistant.api.app import create_app

    ui = None
    if mount_ui:
        from ui.app import mount_ui as ui

    with serve_app(
        create_app(container, ui=ui),
        container,
        start_timeout_s=start_timeout_s,
        force_exit=force_exit,
    ) as live:
        yield live


@contextlib.contextmanager
def serve_app(
    app: Any, container: Any, *, start_timeout_s: float = 120, force_exit: bool = False
) -> Iterator[LiveServer]:
    """Serve an app already built with uvicorn on a free loopback port, in a thread."""
    import uvicorn

    from assistant.api.app import server_config

    sock = free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        server_config(app, host="127.0.0.1", port=port, settings=container.settings)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("le serveur de test n'a pas démarré")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, container)
    finally:
        server.should_exit = True
        server.force_exit = force_exit
        thread.join(timeout=30)
        sock.close()
