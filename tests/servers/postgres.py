"""A throwaway PostgreSQL server for the tests: Debian's binaries, ``initdb`` + ``pg_ctl`` in a
temporary folder, listening on a free loopback port; never a system service.

``initdb`` refuses to run as root: as root, the server runs as the ``postgres`` user the Debian
package creates (or ``nobody``), in a folder given to that user.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.servers.live_app import free_socket

USER = "assistant"


def find_binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl."""
    found = [
        path.parent
        for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")
        if (path.parent / "pg_ctl").exists()
    ]
    if not found and shutil.which("initdb") and shutil.which("pg_ctl"):
        return Path(shutil.which("initdb")).parent  # type: ignore[arg-type]
    return max(found, key=lambda p: int(p.parent.name), default=None) if found else None


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("aucun utilisateur non root pour lancer PostgreSQL")


@dataclass
class PostgresServer:
    """A running server: ``url(database)`` gives a SQLAlchemy URL (psycopg driver)."""

    port: int
    bin_dir: Path
    root: Path
    user: str | None
    _names = itertools.count(1)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its name."""
        import psycopg

        name = f"essai_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def running_postgres(bin_dir: Path) -> Iterator[PostgresServer]:
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data = root / "data"
    run = dict(check=True, capture_output=True, text=True, timeout=120, user=user)
    subprocess.run(
        [bin_dir / "initdb", "-D", data, "-U", USER, "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8", "--no-sync"],
        **run,
    )
    with free_socket() as probe:
        port = probe.getsockname()[1]
    options = (
        f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", root / "server.log", "-w",
         "-t", "60", "start"],
        **run,
    )
    try:
        yield PostgresServer(port=port, bin_dir=bin_dir, root=root, user=user)
    finally:
        subprocess.run(
            [bin_dir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"],
            capture_output=True, timeout=60, user=user,
        )
        shutil.rmtree(root, ignore_errors=True)
