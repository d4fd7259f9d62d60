"""Test infrastructure shared by every test.

- ``no_external_network`` (autouse): any connection to a host other than loopback makes the
  test fail, even if the code under test swallows the error.
- ``isolated_env`` (autouse): no ``ASSISTANT_*`` variable leaks in, the working directory is a
  fresh folder (so no ``.env`` is read) and each test gets its own data dir.
- ``settings`` / ``container``: a Container on the deterministic doubles (hashing embedder,
  extractive answers), for unit tests of the parts that are not about the model.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from assistant.offline import apply_offline_defaults

ROOT = Path(__file__).resolve().parents[1]
apply_offline_defaults()


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it would already leave the machine


class NetworkGuard:
    def __init__(self) -> None:
        self.violations: list[str] = []

    def check(self, address) -> None:
        if not _is_loopback(address):
            self.violations.append(repr(address))
            raise ConnectionRefusedError(
                f"connexion externe interdite pendant les tests : {address!r}"
            )


@pytest.fixture(autouse=True)
def no_external_network(monkeypatch):
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard.check(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard.check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(
            (host if isinstance(host, str) else host.decode(), 0)
        ):
            guard.violations.append(f"résolution DNS de {host!r}")
            raise socket.gaierror(f"résolution DNS interdite pendant les tests : {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield guard
    if guard.violations:
        pytest.fail("Connexion réseau hors boucle locale : " + ", ".join(guard.violations))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data_dir))
    from assistant.settings import get_settings

    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


@pytest.fixture
def data_dir(isolated_env) -> Path:
    """This test's own data dir (empty, created on first use)."""
    return isolated_env


@pytest.fixture
def settings(data_dir):
    """Settings on the deterministic doubles: hashing embeddings, extractive answers."""
    from assistant.settings import load_settings

    return load_settings(
        data_dir=data_dir,
        corpus_dir=ROOT / "corpus",
        embeddings={"backend": "hashing"},
        llm={"backend": "extractive"},
        retrieval={"min_relevance": 0.0},
    )


@pytest.fixture(scope="session")
def shared_scrubbers():
    """One PiiScrubber per name-masking choice for the whole session: loading spaCy's French
    model costs 2 to 3 s, once per scrubber."""
    from guardrails.pii import PiiScrubber

    scrubbers: dict[bool, PiiScrubber] = {}

    def scrubber(mask_person_names: bool) -> PiiScrubber:
        if mask_person_names not in scrubbers:
            scrubbers[mask_person_names] = PiiScrubber(mask_person_names=mask_person_names)
        return scrubbers[mask_person_names]

    return scrubber


@pytest.fixture
def container(settings, shared_scrubbers):
    """A Container on ``settings`` whose scrubbers are the session's (built the same way)."""
    from assistant.container import Container

    container = Container(settings)
    container.__dict__["question_scrubber"] = shared_scrubbers(settings.privacy.mask_person_names)
    container.__dict__["document_scrubber"] = shared_scrubbers(
        settings.ingestion.redact_person_names
    )
    return container


POSTGRES_MISSING = (
    "PostgreSQL absent : le paquet Debian postgresql n'a pas pu être installé sur cette "
    "machine (make test l'installe avec apt-get)"
)


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the test session (initdb + pg_ctl, loopback, temp folder)."""
    from tests.servers.postgres import find_binaries, running_postgres

    bin_dir = find_binaries()
    if bin_dir is None:
        pytest.skip(POSTGRES_MISSING)
    with running_postgres(bin_dir) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty PostgreSQL database for this test; its SQLAlchemy URL."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, data_dir) -> str:
    """The records' database URL, once per engine: "" (SQLite in the data dir) or PostgreSQL."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("postgres_url")
