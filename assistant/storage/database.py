"""The records' database: an engine and a session factory, migrated to the latest schema.

SQLite file in the data dir by default (nothing to install), PostgreSQL when
``ASSISTANT_DATABASE__URL`` names one. Several threads and processes write at once (the
server's I/O threads, ``assistant purge``, other workers): transactions are short, and SQLite
runs in WAL mode (readers never block the writer) with a busy timeout (a writer waits for
the other instead of failing).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_FILE = "assistant.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 15_000
POSTGRES_CONNECT_TIMEOUT_S = 10


def database_url(url: str, data_dir: Path) -> URL:
    """The URL to use: ``url`` if set, else the SQLite file in the data dir.

    A bare ``postgresql://`` URL gets the psycopg (3) driver, the one the project installs.
    """
    if not url:
        return URL.create("sqlite+pysqlite", database=str(data_dir / SQLITE_FILE))
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def create_database_engine(url: URL) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, a busy timeout and real transactions."""
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            json_serializer=_json_dumps,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        json_serializer=_json_dumps,
        # A server that restarted or a replica's idle connection dropped: checked before use.
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
    )


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling does not emit BEGIN before every statement (and
    # commits before DDL); SQLAlchemy's documented recipe hands transactions to SQLAlchemy.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


class Database:
    """The engine and session factory of the records; ``migrate()`` brings the schema to head."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.engine = create_database_engine(url)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.url.get_backend_name()

    def describe(self) -> str:
        """The URL without its password (for logs and the diagnostic)."""
        return self.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One short transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held by one process at a time (migrations, import): a lock file beside the SQLite
        file, an advisory lock on PostgreSQL (so replicas starting together take turns)."""
        if self.backend == "sqlite" and self.url.database not in (None, "", ":memory:"):
            lock_path = Path(str(self.url.database) + ".lock")
            with open(lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        elif self.backend == "postgresql":
            key = int.from_bytes(hashlib.sha256(b"assistant-migrations").digest()[:7], "big")
            with self.engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
        else:
            yield

    def migrate(self) -> str | None:
        """Apply the Alembic migrations up to head (``alembic upgrade head``); return the
        revision now current."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()
