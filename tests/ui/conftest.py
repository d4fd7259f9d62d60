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
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.security import hash_password
from tests.servers import live_app
from tests.servers.live_app import DOCUMENTS, LiveServer, ingest_documents  # noqa: F401

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

serve = functools.partial(live_app.serve, mount_ui=True, start_timeout_s=180, force_exit=True)


def build_container(data_dir: Path, embedder: Any | None = None) -> Any:
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
    if embedder is not None:
        container.__dict__["embedder"] = embedder
    ingest_documents(container)
    return container


@pytest.fixture(scope="session")
def embedding_gate():
    """Pauses the live server's (hashing) embeddings midway through an import when armed."""
    from tests.doubles import EventGate

    gate = EventGate()
    yield gate
    gate.armed_after = None
    gate.resume.set()


@pytest.fixture(scope="session")
def live(tmp_path_factory, embedding_gate) -> Iterator[LiveServer]:
    from tests.doubles import PausingEmbedding

    with pytest.MonkeyPatch.context() as patch:
        # Gradio's upload folder of its own: /tmp/gradio is shared by every Gradio process on
        # the machine, and with one virtualenv so is the seed of its content-addressed paths,
        # so another test run importing (then deleting) the same document raced with this one.
        patch.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        container = build_container(
            tmp_path_factory.mktemp("ui-data"), PausingEmbedding(embedding_gate)
        )
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


class PageClient:
    """One session of the page through ``gradio_client``, hidden events included, as an
    attacker modifies the client: its refusal of hidden events is lifted, and file values are
    sent as the paths given (a path on the server) instead of being uploaded. ``address``: the
    client's address, through ``X-Forwarded-For`` (trusted from loopback)."""

    def __init__(self, base_url: str, *, address: str | None = None) -> None:
        from gradio_client import Client

        headers = {"X-Forwarded-For": address} if address else None
        self.client = Client(base_url + "/", verbose=False, download_files=False, headers=headers)
        self.base_url = base_url
        self._names = {
            c["id"]: [c["props"].get("elem_id"), c["props"].get("value")]
            for c in self.client.config["components"]
            if "props" in c
        }

    def fn_index(self, name: str, trigger: str) -> int:
        """The event ``trigger`` of the component whose elem_id (or button label) is ``name``."""
        for position, dependency in enumerate(self.client.config["dependencies"]):
            for target, event in dependency["targets"]:
                if name in self._names.get(target, ()) and event == trigger:
                    return dependency.get("id", position)
        raise LookupError(f"no {trigger} event on {name!r}")

    def call(self, name: str, trigger: str, *args: Any) -> Any:
        """Run the event; file values are sent as the paths given, never uploaded."""
        index = self.fn_index(name, trigger)
        endpoint = self.client.endpoints[index]
        endpoint.is_valid = True  # the client's own refusal of hidden events, lifted
        endpoint._upload_file = lambda file, data_index: file
        return self.client.predict(*args, fn_index=index)

    def try_call(self, name: str, trigger: str, *args: Any) -> Any:
        """The event's outputs, or the error the server answered with."""
        from gradio_client.exceptions import AppError

        try:
            return self.call(name, trigger, *args)
        except AppError as error:
            return error

    def upload(self, path: Path) -> str:
        """What the browser does with a file dropped on « Documents à importer »: send it to
        Gradio's upload route, then tell the page (its upload event, when it has one)."""
        with open(path, "rb") as handle, httpx.Client(timeout=60) as http:
            response = http.post(
                self.base_url + "/gradio_api/upload", files={"files": (path.name, handle)}
            )
        response.raise_for_status()
        server_path = response.json()[0]
        with contextlib.suppress(LookupError):
            self.call("upload", "upload", [file_value(server_path)])
        return server_path

    def log_in(self) -> None:
        outputs = self.call("login", "click", *TRAINER)
        assert f"Connecté·e en tant que **{TRAINER[0]}**" in str(outputs)

    def close(self) -> None:
        self.client.close()


def file_value(path: Path | str) -> dict[str, Any]:
    return {"path": str(path), "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}
