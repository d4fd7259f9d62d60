"""Hybrid French retrieval: the question understood (assistant/query.py), then dense
(embeddings) + lexical (BM25), fused (normalised weighted scores by default, or weighted
reciprocal rank fusion), restricted to the committed corpus, one passage per section; and the
refusal gate."""

from __future__ import annotations

import functools
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from assistant.index.corpus_index import CorpusIndex
from assistant.index.text import analyse
from assistant.query import QueryUnderstanding, UnderstoodQuery
from assistant.relevance import relevance_model_for
from assistant.topics import TopicSimilarity

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
    score: float  # fused score (normalised weighted scores, or RRF), for ranking
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
    signals: dict[str, float] = field(default_factory=dict)  # what the relevance is made of
    understood: UnderstoodQuery | None = None  # the question as retrieval read it


class SectionLinks(Protocol):
    """Sections trainers linked to groups of questions (``assistant.services.queue``)."""

    def active(self) -> bool:
        """True when at least one link exists (checks for changes first)."""

    def match(self, vector: list[float]):
        """The link (``doc_id``, ``section``, ``similarity``) whose questions are close enough
        to this question's embedding, or None."""


class HybridRetriever:
    """Dense + lexical retrieval over a ``CorpusIndex``.

    ``fusion="score"`` adds min-max normalised cosine similarities (times ``dense_weight``) to
    BM25 scores divided by the best one (times ``lexical_weight``); ``fusion="rrf"`` is
    weighted reciprocal rank fusion. Both are compared in the quality report.
    """

    def __init__(
        self,
        index: CorpusIndex,
        *,
        top_k: int = 5,
        candidates: int = 60,
        dense_weight: float = 0.5,
        lexical_weight: float = 1.0,
        rrf_k: int = 10,
        mode: RetrievalMode = "hybrid",
        fusion: str = "score",
        query_cache_size: int = 0,
        understanding: QueryUnderstanding | None = None,
        links: SectionLinks | None = None,
        topics: TopicSimilarity | None = None,
    ) -> None:
        self.index = index
        self.links = links
        self.topics = topics
        self.understanding = understanding or QueryUnderstanding(enabled=False)
        self.top_k = top_k
        self.candidates = candidates
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.rrf_k = rrf_k
        self.mode = mode
        self.fusion = fusion
        self.query_cache_size = query_cache_size
        self._query_vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._query_vectors_lock = threading.Lock()

    def embed_query(self, query: str) -> list[float]:
        """The question's embedding, from a small LRU cache when the same (scrubbed) question
        was asked recently: during a webinar many agents type the question on the slide."""
        if self.query_cache_size <= 0:
            return self.index.embedder.get_query_embedding(query)
        key = f"{self.index.embedder.model_id}\x00{query}"
        with self._query_vectors_lock:
            vector = self._query_vectors.get(key)
            if vector is not None:
                self._query_vectors.move_to_end(key)
                return vector
        vector = self.index.embedder.get_query_embedding(query)
        with self._query_vectors_lock:
            self._query_vectors[key] = vector
            while len(self._query_vectors) > self.query_cache_size:
                self._query_vectors.popitem(last=False)
        return vector

    def understand(self, query: str) -> UnderstoodQuery:
        """The question spelt out and expanded against the current corpus (see
        ``assistant.query``)."""
        lexical = self.index.lexical
        self.understanding.refresh(
            (id(lexical), lexical.generation, len(lexical)),
            lexical.vocabulary,
            lexical.defined_acronyms,
        )
        return self.understanding.understand(query)

    def topic_signals(self, query: str, query_vector: list[float]) -> dict[str, float]:
        """The gate's topic signals (``assistant.topics``), following the current corpus."""
        if self.topics is None:
            return {}
        lexical = self.index.lexical
        self.topics.refresh((id(lexical), lexical.generation), lexical.headings)
        return self.topics.signals(query_vector, words=len(query.split()))

    def retrieve(
        self, query: str, *, theme: str | None = None, top_k: int | None = None
    ) -> RetrievalResult:
        top_k = top_k or self.top_k
        timings: dict[str, float] = {}
        started = time.perf_counter()
        understood = self.understand(query)
        search_text = understood.expanded
        timings["understand_ms"] = _ms(started)
        started = time.perf_counter()
        # Embedded even in lexical mode: the refusal gate needs cosine similarities.
        query_vector = self.embed_query(dense_query_text(search_text))
        timings["embed_ms"] = _ms(started)
        dense, lexical = self._candidates(search_text, query_vector, theme, timings)

        started = time.perf_counter()
        fused = self._fuse(
            dense if self.mode != "lexical" else [], lexical if self.mode != "dense" else []
        )
        dense_scores, lexical_scores = dict(dense), dict(lexical)
        ordered = sorted(fused, key=fused.__getitem__, reverse=True)[: top_k * 4]
        evidence = [c for c, _ in dense[:3]] + [c for c, _ in lexical[:3]]
        chunks = {
            c.chunk_id: c for c in self.index.get_chunks(list(dict.fromkeys(ordered + evidence)))
        }
        missing_dense = [c for c in ordered if c not in dense_scores and c in chunks]
        if missing_dense:
            # Lexical-only hits still get a cosine score, shown with the citation.
            vectors = self.index.vectors.collection.get(ids=missing_dense, include=["embeddings"])
            for chunk_id, vector in zip(vectors["ids"], vectors["embeddings"], strict=True):
                dense_scores[chunk_id] = _cosine(query_vector, vector)
        terms = _TermEvidence(understood.term_groups, self.index.lexical, chunks)
        passages: list[Passage] = []
        seen_sections: set[tuple[str, str]] = set()
        for chunk_id in ordered:
            chunk = chunks.get(chunk_id)
            if chunk is None:
                continue
            key = (str(chunk.metadata.get("doc_id")), str(chunk.metadata.get("section_path")))
            if key in seen_sections:
                continue  # near-duplicate chunks of one section: keep the best one
            seen_sections.add(key)
            passages.append(
                _passage(
                    chunk,
                    score=fused[chunk_id],
                    dense_score=dense_scores.get(chunk_id, 0.0),
                    lexical_score=lexical_scores.get(chunk_id, 0.0),
                    term_coverage=terms.coverage(chunk_id),
                )
            )
            if len(passages) == top_k:
                break
        linked = self._linked_passage(query, search_text, query_vector, fused, terms.coverage)
        if linked is not None:  # first, and its section once
            key = (linked[0].doc_id, linked[0].section_path)
            others = [p for p in passages if (p.doc_id, p.section_path) != key]
            passages = [linked[0], *others][:top_k]
        signals = terms.signals(dense, lexical, passages, evidence)
        signals.update(self.topic_signals(query, query_vector))
        if linked is not None:  # a trainer linked this question's group: not refused
            signals["linked"] = round(linked[1], 4)
        gate = relevance_model_for(self.index.embedder.model_id)
        relevance = gate(signals) if dense else 0.0
        timings["fusion_ms"] = _ms(started)
        return RetrievalResult(
            passages=passages,
            relevance=relevance,
            timings=timings,
            signals=signals,
            understood=understood,
        )

    def _candidates(
        self,
        search_text: str,
        query_vector: list[float],
        theme: str | None,
        timings: dict[str, float],
    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """The dense and the lexical candidates, best first, among the indexed passages."""
        active = self.index.manifest.active_chunk_ids
        dense: list[tuple[str, float]] = []
        if active:
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
        started = time.perf_counter()
        lexical = [
            (c, s)
            for c, s in self.index.lexical.search(search_text, self.candidates, theme=theme)
            if c in active
        ]
        timings["lexical_ms"] = _ms(started)
        return dense, lexical

    def _linked_passage(
        self,
        query: str,
        search_text: str,
        query_vector: list[float],
        fused: dict[str, float],
        coverage,
    ) -> tuple[Passage, float] | None:
        """The section a trainer linked to questions close to this one, as a passage, with
        the similarity that matched (the question's own words, not their expansion, are
        compared with the linked questions' embeddings)."""
        if self.links is None or not self.links.active():
            return None
        vector = query_vector if search_text == query else self.embed_query(dense_query_text(query))
        link = self.links.match(vector)
        if link is None:
            return None
        record = self.index.manifest.get(link.doc_id)
        active = self.index.manifest.active_chunk_ids
        if record is None:
            return None
        chunks = [
            c
            for c in self.index.get_chunks([i for i in record.chunk_ids if i in active])
            if str(c.metadata.get("section", "")) == link.section
        ]
        if not chunks:
            return None  # the section was renamed or removed since the link
        chunk = max(chunks, key=lambda c: fused.get(c.chunk_id, -1.0))
        stored = self.index.vectors.collection.get(ids=[chunk.chunk_id], include=["embeddings"])
        passage = _passage(
            chunk,
            score=max(fused.values(), default=0.0) + 1.0,
            dense_score=_cosine(query_vector, stored["embeddings"][0]),
            lexical_score=0.0,
            term_coverage=coverage(chunk.chunk_id),
        )
        return passage, link.similarity

    def _fuse(
        self, dense: list[tuple[str, float]], lexical: list[tuple[str, float]]
    ) -> dict[str, float]:
        fused: dict[str, float] = {}
        if self.fusion == "rrf":
            for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
                for rank, (chunk_id, _) in enumerate(ranking):
                    fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (self.rrf_k + rank + 1)
            return fused
        if dense:
            low, high = min(s for _, s in dense), max(s for _, s in dense)
            for chunk_id, score in dense:
                fused[chunk_id] = self.dense_weight * (score - low) / ((high - low) or 1.0)
        if lexical:
            best = lexical[0][1] or 1.0
            for chunk_id, score in lexical:
                fused[chunk_id] = fused.get(chunk_id, 0.0) + self.lexical_weight * score / best
        return fused


# What the embedding model reads of a question, at most. Its cost grows faster than the text
# (measured here: 70 ms for 100 characters, 0.7 s for 1,000, 5 s for 4,000, 14 s for 8,000),
# and multilingual-e5-small reads 512 tokens anyway: three maximal requests used to hold the
# other agents' questions for seconds. A question's start (a follow-up, then its context) and
# end (where a long story asks its question) are kept.
DENSE_QUERY_CHARS = 1200


def dense_query_text(text: str) -> str:
    """``text`` if short enough, else its first and last ``DENSE_QUERY_CHARS / 2`` characters."""
    if len(text) <= DENSE_QUERY_CHARS:
        return text
    half = DENSE_QUERY_CHARS // 2
    return f"{text[:half]} … {text[-half:]}"


def fuse_retrievals(
    primary: RetrievalResult,
    secondary: RetrievalResult,
    *,
    top_k: int,
    secondary_weight: float = 0.5,
    rrf_k: int = 10,
) -> RetrievalResult:
    """The primary ranking's sections, reordered by their agreement with the secondary one
    (weighted reciprocal rank fusion), best ``top_k``.

    At half weight over rankings of ``top_k`` passages, a section found only by the secondary
    retrieval scores below the primary's last one: it reorders, it does not add (a follow-up's
    own words, "Même pour rire ?", find noise). The refusal gate reads the more confident of
    the two (a follow-up glued to long previous questions dilutes their terms: on the dev
    conversations, wrong refusals 0.139 -> 0.083 and no out-of-scope question involved); the
    signals stay the primary retrieval's, with ``names_heading`` from either; timings add up.
    """
    scores: dict[tuple[str, str], float] = {}
    passages: dict[tuple[str, str], Passage] = {}
    for weight, ranking in ((1.0, primary.passages), (secondary_weight, secondary.passages)):
        for rank, passage in enumerate(ranking):
            key = (passage.doc_id, passage.section_path)
            scores[key] = scores.get(key, 0.0) + weight / (rrf_k + rank + 1)
            passages.setdefault(key, passage)
    best = sorted(scores, key=scores.__getitem__, reverse=True)[:top_k]
    timings = dict(primary.timings)
    for name, value in secondary.timings.items():
        timings[name] = round(timings.get(name, 0.0) + value, 3)
    signals = dict(primary.signals)
    signals["names_heading"] = max(
        primary.signals.get("names_heading", 0.0), secondary.signals.get("names_heading", 0.0)
    )
    return RetrievalResult(
        passages=[passages[key] for key in best],
        relevance=max(primary.relevance, secondary.relevance),
        timings=timings,
        signals=signals,
        understood=primary.understood,
    )


def fuse_rankings(
    results: list[RetrievalResult], *, top_k: int, rrf_k: int = 10
) -> RetrievalResult:
    """Reciprocal rank fusion of the retrievals of one question and of its rewordings (by a
    model): sections found by several rise, one found by a single rewording may enter. The gate
    reads the most confident retrieval; the first result's signals are kept."""
    first = results[0]
    scores: dict[tuple[str, str], float] = {}
    passages: dict[tuple[str, str], Passage] = {}
    timings: dict[str, float] = {}
    for result in results:
        for rank, passage in enumerate(result.passages):
            key = (passage.doc_id, passage.section_path)
            scores[key] = scores.get(key, 0.0) + 1.0 / (rrf_k + rank + 1)
            passages.setdefault(key, passage)
        for name, value in result.timings.items():
            timings[name] = round(timings.get(name, 0.0) + value, 3)
    best = sorted(scores, key=scores.__getitem__, reverse=True)[:top_k]
    signals = dict(first.signals)
    signals["names_heading"] = max(r.signals.get("names_heading", 0.0) for r in results)
    return RetrievalResult(
        passages=[passages[key] for key in best],
        relevance=max(r.relevance for r in results),
        timings=timings,
        signals=signals,
        understood=first.understood,
    )


def _passage(
    chunk: Any, *, score: float, dense_score: float, lexical_score: float, term_coverage: float
) -> Passage:
    """A stored chunk as a retrieved passage, with its scores."""
    meta = chunk.metadata
    page = int(meta.get("page", -1))
    return Passage(
        chunk_id=chunk.chunk_id,
        doc_id=str(meta.get("doc_id")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        section_path=str(meta.get("section_path")),
        page=page if page >= 0 else None,
        theme=str(meta.get("theme", "")),
        version=str(meta.get("version", "")),
        text=chunk.text,
        score=score,
        dense_score=dense_score,
        lexical_score=lexical_score,
        term_coverage=term_coverage,
    )


class _TermEvidence:
    """How much of the question's terms the retrieved passages hold: the refusal gate's
    signals. ``groups``: the understood question's term groups (each a set of equivalent
    stems); a rare term (in under 2 % of the passages) is what the question is about."""

    def __init__(self, groups: list[frozenset[str]], lexical: Any, chunks: dict[str, Any]):
        self.groups = groups
        self.lexical = lexical
        self.chunks = chunks
        self.chunk_count = max(1, len(lexical))
        frequency = lexical.document_frequency
        rare_limit = max(3, 0.02 * self.chunk_count)
        # A heading names something when none of its terms is in more than 5 % of the passages
        # (« Authentification multifacteur », not « Ce que l'agent doit faire »).
        name_limit = max(3, 0.05 * self.chunk_count)
        self._names_something = lambda name: all(frequency.get(t, 0) <= name_limit for t in name)
        self.rare = [
            g
            for g in groups
            if min(frequency.get(t, 0) for t in g) <= rare_limit
            and any(lexical.knows(t) for t in g)
        ]
        self._question_terms = frozenset().union(*groups) if groups else frozenset()
        self.weights = [
            math.log((self.chunk_count + 1) / (min(frequency.get(t, 0) for t in g) + 0.5))
            for g in groups
        ]

    def _terms(self, chunk_id: str) -> frozenset[str] | None:
        chunk = self.chunks.get(chunk_id)
        if chunk is None or not self.groups:
            return None
        return _passage_terms(f"{chunk.metadata.get('section_path', '')} {chunk.text}")

    def coverage(self, chunk_id: str) -> float:
        """Share of the question's term groups found in the passage (heading included)."""
        terms = self._terms(chunk_id)
        if terms is None:
            return 0.0
        return sum(1 for g in self.groups if g & terms) / len(self.groups)

    def weighted_coverage(self, chunk_id: str) -> float:
        """The same share, each group weighted by its rarity (idf)."""
        terms = self._terms(chunk_id)
        if terms is None:
            return 0.0
        found = sum(w for g, w in zip(self.groups, self.weights, strict=True) if g & terms)
        return found / (sum(self.weights) or 1.0)

    def signals(
        self,
        dense: list[tuple[str, float]],
        lexical: list[tuple[str, float]],
        passages: list[Passage],
        evidence: list[str],
    ) -> dict[str, float]:
        """The gate's signals for this retrieval (see ``RELEVANCE_MODELS``)."""
        top_ids = [p.chunk_id for p in passages[:3]]
        groups = self.groups
        # A rare term of the question that is the very name of a section (« Token (jeton) »,
        # « Hallucination ») or of a document: the corpus covers it, however short the question.
        # The whole name, and a name of uncommon terms: « catégorie active » does not name
        # « Faut-il activer sa caméra et son micro ? », nor ATSEM's meaning (« agent des écoles
        # maternelles ») the section « Ce que l'agent doit faire ».
        names_heading = any(
            name <= self._question_terms
            and self._names_something(name)
            and any(g & name for g in self.rare)
            for p in passages[:3]
            for name in _heading_names(p)
        )
        unknown = sum(1 for g in groups if not any(self.lexical.knows(t) for t in g))
        return {
            "dense_top": dense[0][1] if dense else 0.0,
            "dense_mean3": sum(sc for _, sc in dense[:3]) / max(1, len(dense[:3])),
            "coverage_max": max((self.coverage(c) for c in evidence), default=0.0),
            "coverage_top": passages[0].term_coverage if passages else 0.0,
            "bm25_top": lexical[0][1] if lexical else 0.0,
            "query_terms": float(len(groups)),
            "names_heading": float(names_heading),
            "unknown_share": unknown / len(groups) if groups else 1.0,
            "weighted_coverage_max": max(
                (self.weighted_coverage(c) for c in evidence + top_ids), default=0.0
            ),
        }


@functools.lru_cache(maxsize=8192)
def _passage_terms(text: str) -> frozenset[str]:
    """The analysed terms of a passage (cached: the same passages come back question after
    question, and stemming them again costs more than the rest of the fusion)."""
    return frozenset(analyse(text))


_PARENTHESIS = re.compile(r"\([^)]*\)")


@functools.lru_cache(maxsize=8192)
def _heading_name(heading: str) -> frozenset[str]:
    """The terms of a heading without its parenthesis, if it is a name (three terms at most)."""
    terms = frozenset(analyse(_PARENTHESIS.sub(" ", heading)))
    return terms if 0 < len(terms) <= 3 else frozenset()


def _heading_names(passage: Passage) -> list[frozenset[str]]:
    return [_heading_name(passage.section), _heading_name(passage.title)]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _cosine(a, b) -> float:
    import numpy as np

    va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denominator = float(np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0
    return float(va @ vb / denominator)


def as_llama_index_retriever(retriever: HybridRetriever, *, theme: str | None = None):
    """The hybrid retriever as a llama-index ``BaseRetriever`` (``NodeWithScore`` results), so it
    plugs into llama-index query engines and node postprocessors."""
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    class _LlamaIndexHybridRetriever(BaseRetriever):
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            result = retriever.retrieve(query_bundle.query_str, theme=theme)
            return [
                NodeWithScore(
                    node=TextNode(
                        id_=p.chunk_id,
                        text=p.text,
                        metadata={
                            "doc_id": p.doc_id,
                            "title": p.title,
                            "section": p.section,
                            "section_path": p.section_path,
                            "page": p.page,
                            "theme": p.theme,
                        },
                    ),
                    score=p.score,
                )
                for p in result.passages
            ]

    return _LlamaIndexHybridRetriever()
