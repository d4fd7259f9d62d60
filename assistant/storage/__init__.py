"""The records' database (SQLAlchemy 2 + Alembic): scrubbed questions and feedback.

SQLite file in the data dir by default, PostgreSQL through ``ASSISTANT_DATABASE__URL``.
The Container builds one ``Database`` with ``open_database`` (schema migrated to head, the
JSON-lines logs of earlier versions imported once) and one ``QuestionLog`` over it.
"""

from __future__ import annotations

from pathlib import Path

from assistant.storage.database import SQLITE_FILE, Database, database_url
from assistant.storage.legacy import JOURNAL_DIR, import_json_lines
from assistant.storage.records import EntryLog, QuestionLog, format_ts, parse_ts, utc_now

__all__ = [
    "JOURNAL_DIR",
    "SQLITE_FILE",
    "Database",
    "EntryLog",
    "QuestionLog",
    "database_url",
    "format_ts",
    "import_json_lines",
    "open_database",
    "parse_ts",
    "utc_now",
]


def open_database(url: str, data_dir: Path) -> Database:
    """The records' database, ready: migrations applied (``alembic upgrade head``) and the
    JSON-lines logs found in ``data_dir`` imported, one process at a time."""
    database = Database(database_url(url, data_dir))
    with database.exclusive():
        database.migrate()
        import_json_lines(QuestionLog(database), data_dir)
    return database
