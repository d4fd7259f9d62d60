"""The manifest: the source of truth of what the corpus contains.

One JSON file in the data dir, replaced atomically (write to a temporary file, fsync, rename).
A document's chunks are searchable only once the manifest lists them: that rename is the commit
point of an ingestion, which makes a replacement atomic and a crash recoverable.

Several processes share the file (the server, the command line, other replicas): a writer
reloads it under the index's commit lock before changing it (``reload_if_changed``), so that no
process overwrites what another committed.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

DocumentStatus = Literal["indexed", "quarantined"]


@dataclass
class DocumentRecord:
    """One document as the manifest knows it. Reports hold types and counts, never values."""

    doc_id: str
    sha256: str
    title: str
    theme: str
    version: str
    source_name: str
    format: str
    status: DocumentStatus
    ingested_at: str
    updated: str = ""
    audience: str = ""
    pages: int | None = None
    words: int = 0
    chunk_ids: list[str] = field(default_factory=list)
    pii_redacted: dict[str, int] = field(default_factory=dict)
    injection_signals: list[dict] = field(default_factory=list)
    hidden_text: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> DocumentRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


class Manifest:
    """Thread-safe, atomically persisted map of doc id -> DocumentRecord."""

    FILE_NAME = "manifest.json"

    def __init__(self, directory: Path) -> None:
        self.path = directory / self.FILE_NAME
        self._lock = threading.RLock()
        self.generation = 0
        self._documents: dict[str, DocumentRecord] = {}
        self._active_chunks: frozenset[str] = frozenset()
        self._signature: tuple[int, int, int] | None = None
        self._load()

    def _file_signature(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _load(self) -> None:
        with self._lock:
            signature = self._file_signature()
            if signature is None:
                data: dict = {}
            else:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            self.generation = int(data.get("generation", 0))
            self._documents = {
                doc_id: DocumentRecord.from_dict(record)
                for doc_id, record in data.get("documents", {}).items()
            }
            self._signature = signature
            self._refresh_active()

    def reload_if_changed(self) -> bool:
        """Read the file again if another process replaced it; True if it did."""
        with self._lock:
            if self._file_signature() == self._signature:
                return False
            self._load()
            return True

    def _refresh_active(self) -> None:
        self._active_chunks = frozenset(
            chunk_id
            for record in self._documents.values()
            if record.status == "indexed"
            for chunk_id in record.chunk_ids
        )

    @property
    def active_chunk_ids(self) -> frozenset[str]:
        """Chunk ids that retrieval may return (a snapshot, swapped atomically on commit)."""
        return self._active_chunks

    def get(self, doc_id: str) -> DocumentRecord | None:
        return self._documents.get(doc_id)

    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            return sorted(self._documents.values(), key=lambda r: (r.theme, r.doc_id))

    def find_by_sha(self, sha256: str) -> DocumentRecord | None:
        with self._lock:
            return next((r for r in self._documents.values() if r.sha256 == sha256), None)

    def commit(self, *, put: DocumentRecord | None = None, delete: str | None = None) -> int:
        """Apply one change and persist it atomically; returns the new generation."""
        with self._lock:
            documents = dict(self._documents)
            if delete is not None:
                documents.pop(delete, None)
            if put is not None:
                documents[put.doc_id] = put
            self._write(self.generation + 1, documents)
            self._documents = documents
            self.generation += 1
            self._signature = self._file_signature()
            self._refresh_active()
            return self.generation

    def payload(self) -> dict[str, dict]:
        """The documents as plain dicts (doc id -> record), as written and as shared."""
        with self._lock:
            return {doc_id: asdict(r) for doc_id, r in sorted(self._documents.items())}

    def replace(self, generation: int, documents: dict[str, dict]) -> None:
        """Adopt a manifest another process published (``generation`` and its documents) and
        persist it here, so that this data dir's copy follows the shared one."""
        with self._lock:
            records = {d: DocumentRecord.from_dict(r) for d, r in documents.items()}
            self._write(generation, records)
            self._documents = records
            self.generation = generation
            self._signature = self._file_signature()
            self._refresh_active()

    def _write(self, generation: int, documents: dict[str, DocumentRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "generation": generation,
            "documents": {doc_id: asdict(r) for doc_id, r in sorted(documents.items())},
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".manifest-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, ensure_ascii=False, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
