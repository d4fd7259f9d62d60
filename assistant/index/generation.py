"""The corpus state shared by replicas: a generation counter and the manifest, in the database.

Several app processes (replicas) answer from one Chroma server, each with its own data dir.
What they must agree on besides the passages is the manifest (which documents and chunks are
current): it lives in the records' database, one row per embedding collection, with a
generation bumped by every import, replacement and removal. A writer publishes its change
with a compare-and-swap on the generation (``publish``), so that two replicas committing at
once never overwrite each other; a reader polls ``generation()`` (one indexed read, at most
once a second) and reloads the manifest and its lexical index when it moved.

The manifest holds titles, themes, counts and chunk ids, never a personal value (documents'
personal data is redacted before indexing, and reports keep only types and counts).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.storage.models import CorpusStateRow

if TYPE_CHECKING:
    from assistant.storage import Database


class SharedCorpusState:
    """The shared generation and manifest of one embedding collection."""

    def __init__(self, database: Database, collection: str) -> None:
        self.database = database
        self.collection = collection

    def generation(self) -> int | None:
        """The current generation, or None when no process has published the corpus yet."""
        with self.database.session() as session:
            return session.scalar(
                select(CorpusStateRow.generation).where(
                    CorpusStateRow.collection == self.collection
                )
            )

    def load(self) -> tuple[int, dict[str, Any]] | None:
        """The generation and the manifest's documents (doc id -> record as a dict)."""
        with self.database.session() as session:
            row = session.execute(
                select(CorpusStateRow.generation, CorpusStateRow.manifest).where(
                    CorpusStateRow.collection == self.collection
                )
            ).first()
        if row is None:
            return None
        return int(row.generation), json.loads(row.manifest)

    def publish(self, expected: int | None, generation: int, documents: dict[str, Any]) -> bool:
        """Store ``documents`` as ``generation`` if the shared generation is still ``expected``
        (None: no row yet); False when another process published first (reload and retry)."""
        values = {
            "generation": generation,
            "manifest": json.dumps(documents, ensure_ascii=False, sort_keys=True),
            "updated_at": datetime.now(UTC),
        }
        try:
            with self.database.session() as session:
                if expected is None:
                    session.execute(
                        insert(CorpusStateRow).values(collection=self.collection, **values)
                    )
                    return True
                result = session.execute(
                    update(CorpusStateRow)
                    .where(
                        CorpusStateRow.collection == self.collection,
                        CorpusStateRow.generation == expected,
                    )
                    .values(**values)
                )
                return result.rowcount == 1
        except IntegrityError:  # another process inserted the first row meanwhile
            return False
