"""Hybrid French retrieval: dense (embeddings) + lexical (BM25), fused by weighted reciprocal
rank fusion, restricted to the committed corpus, one passage per section."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from assistant.index.corpus_index import CorpusIndex
from assistant.index.text import analyse

RetrievalMode = Literal["hybrid", "dense", "lexical"]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with what a citation needs."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    section_path: str
    page: int | None
    theme: str
    version: str
    text: str
    score: float  # fused score (weighted RRF), for ranking
    dense_score: float  # cosine similarity to the question (0 if not retrieved densely)
    lexical_score: float  # BM25 score (0 if no shared term)
    term_coverage: float  # share of the question's content words found in the passage

    def citation(self, n: int) -> dict:
        return {
            "n": n,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "section_path": self.section_path,
            "page": self.page,
            "theme": self.theme,
            "score": round(self.dense_score, 4),
            "url": f"/api/passages/{self.chunk_id}",
        }


@dataclass
class RetrievalResult:
    passages: list[Passage]
    relevance: float  # the refusal gate compares this with the calibrated threshold
    timings: dict[str, float] = field(default_factory=dict)


def relevance_of(passage: Passage) -> float:
    """Absolute relevance of the best passage: cosine similarity, nudged by shared terms."""
    return passage.dense_score + 0.05 * passage.term_coverage


class HybridRetriever:
    """Dense + lexical retrieval over a ``CorpusIndex``."""

    def __init__(
        self,
        index: CorpusIndex,
        *,
        top_k: int = 5,
        candidates: int = 30,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        rrf_k: int = 60,
        mode: RetrievalMode = "hybrid",
    ) -> None:
        self.index = index
        self.top_k = top_k
        self.candidates = candidates
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.rrf_k = rrf_k
        self.mode = mode

    def retrieve(
        self, query: str, *, theme: str | None = None, top_k: int | None = None
    ) -> RetrievalResult:
        top_k = top_k or self.top_k
        timings: dict[str, float] = {}
        active = self.index.manifest.active_chunk_ids
        started = time.perf_counter()
        dense: list[tuple[str, float]] = []
        # Embedded even in lexical mode: the refusal gate needs cosine similarities.
        query_vector = self.index.embedder.get_query_embedding(query)
        timings["embed_ms"] = _ms(started)
        if self.mode != "lexical" and active:
            started = time.perf_counter()
            where = {"theme": theme} if theme else None
            dense = [
                (c, s)
                for c, s in self.index.vectors.query(
                    query_vector, min(self.candidates, len(active)), where
                )
                if c in active
            ]
            timings["dense_ms"] = _ms(started)
        lexical: list[tuple[str, float]] = []
        if self.mode != "dense":
            started = time.perf_counter()
            lexical = [
                (c, s)
                for c, s in self.index.lexical.search(query, self.candidates, theme=theme)
                if c in active
            ]
            timings["lexical_ms"] = _ms(started)

        started = time.perf_counter()
        fused: dict[str, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (chunk_id, _) in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (self.rrf_k + rank + 1)
        dense_scores = dict(dense)
        lexical_scores = dict(lexical)
        ordered = sorted(fused, key=fused.__getitem__, reverse=True)[: top_k * 4]
        chunks = {c.chunk_id: c for c in self.index.get_chunks(ordered)}
        missing_dense = [c for c in ordered if c not in dense_scores and c in chunks]
        if missing_dense and query_vector is not None:
            # Lexical-only hits still need a cosine score for the refusal gate.
            vectors = self.index.vectors.collection.get(ids=missing_dense, include=["embeddings"])
            for chunk_id, vector in zip(vectors["ids"], vectors["embeddings"], strict=True):
                dense_scores[chunk_id] = _cosine(query_vector, vector)
        query_terms = set(analyse(query))
        passages: list[Passage] = []
        seen_sections: set[tuple[str, str]] = set()
        for chunk_id in ordered:
            chunk = chunks.get(chunk_id)
            if chunk is None:
                continue
            meta = chunk.metadata
            key = (str(meta.get("doc_id")), str(meta.get("section_path")))
            if key in seen_sections:
                continue  # near-duplicate chunks of one section: keep the best one
            seen_sections.add(key)
            terms = set(analyse(f"{meta.get('section_path', '')} {chunk.text}"))
            coverage = len(query_terms & terms) / len(query_terms) if query_terms else 0.0
            page = int(meta.get("page", -1))
            passages.append(
                Passage(
                    chunk_id=chunk_id,
                    doc_id=key[0],
                    title=str(meta.get("title", "")),
                    section=str(meta.get("section", "")),
                    section_path=key[1],
                    page=page if page >= 0 else None,
                    theme=str(meta.get("theme", "")),
                    version=str(meta.get("version", "")),
                    text=chunk.text,
                    score=fused[chunk_id],
                    dense_score=dense_scores.get(chunk_id, 0.0),
                    lexical_score=lexical_scores.get(chunk_id, 0.0),
                    term_coverage=coverage,
                )
            )
            if len(passages) == top_k:
                break
        timings["fusion_ms"] = _ms(started)
        relevance = max((relevance_of(p) for p in passages[:3]), default=0.0)
        return RetrievalResult(passages=passages, relevance=relevance, timings=timings)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _cosine(a, b) -> float:
    import numpy as np

    va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denominator = float(np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0
    return float(va @ vb / denominator)
