"""The corpus index: manifest + Chroma vectors + French BM25, kept consistent.

Writes are serialised by a lock; readers use snapshots (the manifest's active chunk ids and the
current lexical index), so a search never sees a half-applied ingestion.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.index.lexical import LexicalIndex
from assistant.index.manifest import DocumentRecord, Manifest
from assistant.index.vector_store import ChromaVectorStore, StoredChunk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepairReport:
    orphan_chunks_removed: int
    incomplete_documents_dropped: list[str]
    lexical_rebuilt: bool

    @property
    def changed(self) -> bool:
        return bool(self.orphan_chunks_removed or self.incomplete_documents_dropped)


class CorpusIndex:
    """Everything retrieval reads and ingestion writes, for one embedding model."""

    def __init__(self, *, data_dir: Path, embedder: Any, vector_store: ChromaVectorStore) -> None:
        self.data_dir = data_dir
        self.embedder = embedder
        self.vectors = vector_store
        index_dir = data_dir / "index" / vector_store.collection_name
        index_dir.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest(index_dir)
        self.write_lock = threading.RLock()
        self._lexical = LexicalIndex([], [], generation=-1)
        self.last_repair = self.repair()

    # ---- reading -------------------------------------------------------------------------
    @property
    def lexical(self) -> LexicalIndex:
        return self._lexical

    def chunk_count(self) -> int:
        return len(self.manifest.active_chunk_ids)

    def documents(self) -> list[DocumentRecord]:
        return self.manifest.documents()

    def get_chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        return self.vectors.get(ids)

    # ---- writing -------------------------------------------------------------------------
    def add_chunks(
        self,
        ids: Sequence[str],
        texts_for_embedding: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        *,
        batch_size: int = 16,
        progress=None,
    ) -> None:
        """Embed in batches and store; not searchable until ``commit_document``."""
        for start in range(0, len(ids), batch_size):
            stop = start + batch_size
            vectors = self.embedder.get_text_embedding_batch(list(texts_for_embedding[start:stop]))
            self.vectors.upsert(ids[start:stop], vectors, texts[start:stop], metadatas[start:stop])
            if progress is not None:
                progress(min(stop, len(ids)))

    def commit_document(self, record: DocumentRecord) -> list[str]:
        """Make ``record`` the current version of its document; drop the previous chunks."""
        with self.write_lock:
            previous = self.manifest.get(record.doc_id)
            self.manifest.commit(put=record)
            stale = [
                c
                for c in (previous.chunk_ids if previous else [])
                if c not in set(record.chunk_ids)
            ]
            if stale:
                self.vectors.delete(stale)
            self.rebuild_lexical()
            return stale

    def remove_document(self, doc_id: str) -> DocumentRecord | None:
        with self.write_lock:
            record = self.manifest.get(doc_id)
            if record is None:
                return None
            self.manifest.commit(delete=doc_id)
            if record.chunk_ids:
                self.vectors.delete(record.chunk_ids)
            self.rebuild_lexical()
            return record

    def rebuild_lexical(self) -> None:
        active = sorted(self.manifest.active_chunk_ids)
        chunks = self.vectors.get(active)
        self._lexical = LexicalIndex(
            [c.chunk_id for c in chunks],
            [lexical_text(c.text, c.metadata) for c in chunks],
            generation=self.manifest.generation,
            themes=[str(c.metadata.get("theme", "")) for c in chunks],
        )

    def repair(self) -> RepairReport:
        """Bring Chroma and the lexical index back in line with the manifest after a crash."""
        with self.write_lock:
            stored = set(self.vectors.all_ids())
            active = self.manifest.active_chunk_ids
            orphans = stored - active
            if orphans:
                self.vectors.delete(sorted(orphans))
            incomplete = [
                record.doc_id
                for record in self.manifest.documents()
                if record.status == "indexed" and not set(record.chunk_ids) <= stored
            ]
            for doc_id in incomplete:
                self.manifest.commit(delete=doc_id)
            if orphans or incomplete:
                log.warning(
                    "index repaired", extra={"orphans": len(orphans), "incomplete": len(incomplete)}
                )
            self.rebuild_lexical()
            return RepairReport(len(orphans), incomplete, True)


def search_text(text: str, metadata: dict[str, Any]) -> str:
    """What both indexes see of a chunk: its title and section path, then its text."""
    title = str(metadata.get("title", ""))
    path = str(metadata.get("section_path", ""))
    heading = path if path.startswith(title) else " > ".join(p for p in (title, path) if p)
    return f"{heading}\n{text}" if heading else text


def lexical_text(text: str, metadata: dict[str, Any]) -> str:
    """What BM25 sees: the title once, the section headings twice (they name the topic), the text.

    The heading boost was measured on the golden set (eval/): +0.02 hit@5 over no boost.
    """
    title = str(metadata.get("title", ""))
    parts = str(metadata.get("section_path", "")).split(" > ")
    headings = " ".join(p for p in parts if p and p != title)
    return f"{title} {headings} {headings}\n{text}"
