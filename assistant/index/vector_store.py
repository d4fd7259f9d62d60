"""Chroma vector store: an embedded persistent client, or a Chroma server over HTTP.

The collection name carries the embedding model's id, so vectors of two models never mix.
Telemetry is always off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.embeddings import model_id_slug

# How wide the HNSW graph is searched. Chroma's default (100) returned, on the bundled corpus, a
# slightly different top 60 from one index build to the next (the graph is built by several
# threads); the hybrid fusion normalises cosines over those 60 and the refusal gate reads the
# best passages, so a question could be refused after one import and answered after another
# (measured on the golden set). At 512, the top 60 is the exact one there; searching costs a
# little more on a large corpus (eval/bench_pipeline.py).
SEARCH_BREADTH = 512
BUILD_BREADTH = 200


def collection_name(model_id: str) -> str:
    """The Chroma collection (and index folder) of an embedding model's vectors."""
    return f"corpus-{model_id_slug(model_id)}"


@dataclass(frozen=True)
class StoredChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]


class ChromaVectorStore:
    """Thin wrapper over one Chroma collection (cosine space)."""

    def __init__(
        self, *, model_id: str, data_dir: Path, host: str = "", port: int = 8000, ssl: bool = False
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaClientSettings

        client_settings = ChromaClientSettings(anonymized_telemetry=False, allow_reset=False)
        if host:
            self.client = chromadb.HttpClient(
                host=host, port=port, ssl=ssl, settings=client_settings
            )
            self.location = f"{'https' if ssl else 'http'}://{host}:{port}"
        else:
            path = data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=client_settings)
            self.location = str(path)
        self.model_id = model_id
        self.collection_name = collection_name(model_id)
        self.collection = self.client.get_or_create_collection(
            self.collection_name,
            configuration={
                "hnsw": {
                    "space": "cosine",
                    "ef_search": SEARCH_BREADTH,
                    "ef_construction": BUILD_BREADTH,
                }
            },
            metadata={"embedding_model": model_id},
            embedding_function=None,
        )
        hnsw = (self.collection.configuration_json or {}).get("hnsw") or {}
        if int(hnsw.get("ef_search") or 0) < SEARCH_BREADTH:
            # A collection created before this setting: widen its search (a query-time setting
            # Chroma lets us change; it applies before the index is first loaded).
            self.collection.modify(configuration={"hnsw": {"ef_search": SEARCH_BREADTH}})
            self.collection = self.client.get_collection(self.collection_name)

    def count(self) -> int:
        return self.collection.count()

    def upsert(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        if ids:
            self.collection.upsert(
                ids=list(ids),
                embeddings=[list(e) for e in embeddings],
                documents=list(texts),
                metadatas=list(metadatas),
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 5000):
            self.collection.delete(ids=ids[start : start + 5000])

    def all_ids(self) -> list[str]:
        ids: list[str] = []
        offset, page = 0, 5000
        while True:
            batch = self.collection.get(include=[], limit=page, offset=offset)["ids"]
            ids.extend(batch)
            if len(batch) < page:
                return ids
            offset += page

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, in the order asked (read in pages: SQLite limits bound variables)."""
        by_id: dict[str, StoredChunk] = {}
        ids = list(ids)
        for start in range(0, len(ids), 2000):
            found = self.collection.get(
                ids=ids[start : start + 2000], include=["documents", "metadatas"]
            )
            for chunk_id, text, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            ):
                by_id[chunk_id] = StoredChunk(chunk_id, text or "", dict(meta or {}))
        return [by_id[i] for i in ids if i in by_id]

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk_id, cosine similarity)."""
        if k <= 0:
            return []
        result = self.collection.query(
            query_embeddings=[list(embedding)], n_results=k, where=where, include=["distances"]
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(chunk_id, 1.0 - float(d)) for chunk_id, d in zip(ids, distances, strict=True)]
