"""A real server for the API tests: uvicorn on 127.0.0.1 in a background thread, real clients.

The container mirrors the root ``container`` fixture (hashing embeddings, extractive answers,
no refusal threshold) but lives for a whole module, because one server start loads spaCy and
warms the index. Each test's HTTP client comes from its own (documentation-range) address via
``X-Forwarded-For``, which uvicorn trusts from loopback, so rate limits never leak between tests.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.security import hash_password, hash_token
from tests.servers import live_app
from tests.servers.live_app import (  # noqa: F401 - re-exported for the API tests
    DOCUMENTS,
    LiveServer,
    free_socket,
    ingest_documents,
)

ROOT = Path(__file__).resolve().parents[2]

ACCESS_CODE = "webinaire-2025"
TRAINER = ("formatrice", "mot-de-passe-formatrice")
TRAINER_TOKEN = "jeton-formateur-de-test"
RATE_LIMIT = 5

serve = functools.partial(live_app.serve, mount_ui=False)


def make_settings(data_dir: Path, **overrides: Any):
    """The root ``settings`` fixture's choices, plus the API's (explicit, no .env, no env)."""
    from assistant.settings import load_settings

    base: dict[str, Any] = {
        "data_dir": data_dir,
        "corpus_dir": ROOT / "corpus",
        "embeddings": {"backend": "hashing"},
        "llm": {"backend": "extractive"},
        "retrieval": {"min_relevance": 0.0},
        "ingestion": {"max_upload_mb": 2},
        "server": {"access_code": ACCESS_CODE, "rate_limit_per_minute": RATE_LIMIT},
        "auth": {
            "trainers": {TRAINER[0]: hash_password(TRAINER[1])},
            "trainer_token_hashes": [hash_token(TRAINER_TOKEN)],
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("ASSISTANT_"):
                patch.delenv(name)
        return load_settings(_env_file=None, **base)


@pytest.fixture(scope="session")
def shared_scrubber():
    """One warmed PiiScrubber for every test server (spaCy loads once per session)."""
    from guardrails.pii import PiiScrubber

    scrubber = PiiScrubber(mask_person_names=True)
    scrubber.scrub("Bonjour Marie Martin, 06 12 34 56 78.")
    return scrubber


def build_container(data_dir: Path, scrubber: Any, **overrides: Any):
    from assistant.container import Container

    container = Container(make_settings(data_dir, **overrides))
    container.__dict__["question_scrubber"] = scrubber
    container.__dict__["document_scrubber"] = scrubber
    return container


@pytest.fixture(scope="module")
def server(tmp_path_factory, shared_scrubber) -> Iterator[LiveServer]:
    """The module's server: three small Markdown documents, extractive answers."""
    container = build_container(tmp_path_factory.mktemp("api-data"), shared_scrubber)
    ingest_documents(container)
    with serve(container) as live:
        yield live


_addresses = (
    f"198.51.100.{i % 250 + 1}" if i < 250 else f"203.0.113.{i % 250 + 1}"
    for i in itertools.count()
)


@pytest.fixture
def client_ip() -> str:
    """A fresh client address for this test (its own rate-limit window)."""
    return next(_addresses)


@pytest.fixture
def client(server, client_ip) -> Iterator[httpx.Client]:
    """An agent's client, with the webinar access code."""
    headers = {"X-Forwarded-For": client_ip, "X-Code-Acces": ACCESS_CODE}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
        yield http


@pytest.fixture
def anonymous(server, client_ip) -> Iterator[httpx.Client]:
    """A client with no credentials at all."""
    with httpx.Client(
        base_url=server.base_url, headers={"X-Forwarded-For": client_ip}, timeout=60
    ) as http:
        yield http


@pytest.fixture
def trainer(server, client_ip) -> Iterator[httpx.Client]:
    """A trainer's client (HTTP Basic)."""
    with httpx.Client(
        base_url=server.base_url,
        headers={"X-Forwarded-For": client_ip},
        auth=httpx.BasicAuth(*TRAINER),
        timeout=120,
    ) as http:
        yield http


def all_bytes_under(directory: Path) -> Iterator[tuple[Path, bytes]]:
    for path in directory.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()
