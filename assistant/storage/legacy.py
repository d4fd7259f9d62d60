"""One-time import of the JSON-lines logs the server wrote before the database.

``<data dir>/journal/questions.jsonl`` and ``avis.jsonl`` are read (a torn last line is
skipped, as before), stored, then renamed ``*.imported``. The file's hash is recorded in the
same transaction as its entries: a crash before the rename never imports it twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from assistant.storage.models import ImportedFile
from assistant.storage.records import EntryLog, QuestionLog, utc_now

log = logging.getLogger("assistant.storage")

JOURNAL_DIR = "journal"
LEGACY_FILES = {"questions": "questions.jsonl", "feedback": "avis.jsonl"}
IMPORTED_SUFFIX = ".imported"
BATCH = 1000


def _entries(data: bytes) -> list[dict[str, Any]]:
    entries = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def import_file(target: EntryLog, path: Path) -> int | None:
    """Import one JSON-lines file into ``target`` and rename it; return the entries
    imported (None when the same file had already been imported)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    entries = _entries(data)
    imported: int | None = len(entries)
    try:
        with target.database.session() as session:
            # The hash first: a write, so a concurrent importer waits or fails here.
            session.execute(
                insert(ImportedFile),
                [{"sha256": digest, "name": path.name, "entries": len(entries),
                  "imported_at": utc_now()}],
            )
            rows = [target.row_values(entry) for entry in entries]
            for start in range(0, len(rows), BATCH):
                session.execute(insert(target.model), rows[start : start + BATCH])
    except IntegrityError:
        imported = None
    path.replace(path.with_name(path.name + IMPORTED_SUFFIX))
    path.with_name(path.name + ".lock").unlink(missing_ok=True)
    return imported


def import_json_lines(records: QuestionLog, data_dir: Path) -> dict[str, int]:
    """Import the JSON-lines logs found in ``data_dir`` (once); return the counts imported."""
    counts: dict[str, int] = {}
    directory = data_dir / JOURNAL_DIR
    for kind, name in LEGACY_FILES.items():
        path = directory / name
        if not path.is_file():
            continue
        imported = import_file(getattr(records, kind), path)
        counts[kind] = imported or 0
        log.info(
            "json lines imported",
            extra={"file": name, "entries": imported, "already_imported": imported is None},
        )
    return counts
