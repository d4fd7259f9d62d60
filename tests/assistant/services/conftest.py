"""The services over a real records' database, once per engine (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from assistant.storage import open_database


@pytest.fixture
def records_container(container, database_url, data_dir):
    """The root ``container`` whose records' database is ``database_url`` (both engines)."""
    database = open_database(database_url, data_dir)
    container.__dict__["database"] = database
    yield container
    database.dispose()
