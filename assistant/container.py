"""Wiring in one place: every part of the assistant, built lazily from settings.

Nothing heavy happens when a Container is created; each part is built on first use, so the
CLI's ``--help`` stays instant and tests can replace a part before it is used.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Settings

if TYPE_CHECKING:
    # Imported for the annotations only: each part is built (and its module imported) on use.
    from assistant.chat import ChatEngine
    from assistant.index.corpus_index import CorpusIndex
    from assistant.index.generation import SharedCorpusState
    from assistant.index.manifest import Manifest
    from assistant.index.vector_store import ChromaVectorStore
    from assistant.ingestion.pipeline import Ingestor
    from assistant.llm import BackendSelector
    from assistant.llm.base import ChatBackend
    from assistant.providers import SupportsEmbedding
    from assistant.query import QueryUnderstanding
    from assistant.retrieval import HybridRetriever
    from assistant.services.priorities import IndexedUseCases, UseCaseCatalog
    from assistant.services.queue_vectors import LinkedQuestions
    from assistant.storage import Database, QuestionLog
    from assistant.topics import TopicSimilarity
    from guardrails.pii import PiiScrubber
    from guardrails.pii.sealed import SealedVaultStore


class Container:
    """The app's parts, built from one Settings object. Entry points create exactly one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def data_dir(self) -> Path:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.data_dir

    @cached_property
    def database(self) -> Database:
        """The records' database, migrated to head (JSON-lines logs of old imported once)."""
        from assistant.storage import open_database

        return open_database(self.settings.database.url.get_secret_value(), self.data_dir)

    @cached_property
    def records(self) -> QuestionLog:
        """The scrubbed question log and the feedback log."""
        from assistant.storage import JOURNAL_DIR, QuestionLog

        return QuestionLog(self.database, imported_dir=self.data_dir / JOURNAL_DIR)

    @cached_property
    def embedder(self) -> SupportsEmbedding:
        import assistant.embeddings  # noqa: F401 - registers the built-in backends
        from assistant.providers import embedding_backends

        return embedding_backends.create(self.settings.embeddings.backend, self.settings)

    @cached_property
    def embedding_model_id(self) -> str:
        """The embedding model's id, from the settings when its backend declares it (no model
        and no llama-index loaded), else from the built embedder."""
        import assistant.embeddings  # noqa: F401 - registers the built-in backends
        from assistant.providers import embedding_backends

        if "embedder" not in self.__dict__:
            declared = embedding_backends.model_id(self.settings.embeddings.backend, self.settings)
            if declared is not None:
                return declared
        return self.embedder.model_id

    @cached_property
    def manifest(self) -> Manifest:
        """The corpus manifest, for commands that only read it (``docs list``): the index's own
        once the index is built, else read on its own, without Chroma or a model."""
        if "index" in self.__dict__:
            return self.index.manifest
        from assistant.index.manifest import Manifest
        from assistant.index.vector_store import collection_name

        manifest = Manifest(self.data_dir / "index" / collection_name(self.embedding_model_id))
        shared = self.corpus_state.load()  # what the replicas share, if published
        if shared is not None and shared[0] != manifest.generation:
            manifest.replace(*shared)  # this data dir's copy follows the shared one
        return manifest

    @cached_property
    def vector_store(self) -> ChromaVectorStore:
        from assistant.index.vector_store import ChromaVectorStore

        chroma = self.settings.chroma
        return ChromaVectorStore(
            model_id=self.embedder.model_id,
            data_dir=self.data_dir,
            host=chroma.host,
            port=chroma.port,
            ssl=chroma.ssl,
        )

    @cached_property
    def index(self) -> CorpusIndex:
        from assistant.index.corpus_index import SHARED_ORPHAN_GRACE_S, CorpusIndex

        return CorpusIndex(
            data_dir=self.data_dir,
            embedder=self.embedder,
            vector_store=self.vector_store,
            shared=self.corpus_state,
            orphan_grace_s=SHARED_ORPHAN_GRACE_S if self.settings.chroma.host else 0.0,
        )

    @cached_property
    def question_scrubber(self) -> PiiScrubber:
        from guardrails.pii import PiiScrubber

        return PiiScrubber(mask_person_names=self.settings.privacy.mask_person_names)

    @cached_property
    def document_scrubber(self) -> PiiScrubber:
        from guardrails.pii import PiiScrubber

        if self.settings.ingestion.redact_person_names == self.settings.privacy.mask_person_names:
            return self.question_scrubber
        return PiiScrubber(mask_person_names=self.settings.ingestion.redact_person_names)

    @cached_property
    def vaults(self) -> SealedVaultStore:
        """Conversations' pseudonym vaults, sealed in the shared database (any replica)."""
        from assistant.storage.vaults import DatabaseVaults
        from guardrails.pii.sealed import SealedVaultStore, VaultSealer

        return SealedVaultStore(
            DatabaseVaults(self.database),
            VaultSealer(self.vault_secret),
            ttl_seconds=self.settings.privacy.vault_ttl_minutes * 60,
        )

    @cached_property
    def ingestor(self) -> Ingestor:
        from assistant.ingestion.pipeline import Ingestor

        ingestion = self.settings.ingestion
        return Ingestor(
            self.index,
            pii_scrubber=self.document_scrubber,
            max_bytes=int(ingestion.max_file_mb * 1_048_576),
            max_uncompressed_bytes=int(ingestion.max_uncompressed_mb * 1_048_576),
            max_passages=ingestion.max_passages,
            chunk_tokens=ingestion.chunk_tokens,
            chunk_overlap_tokens=ingestion.chunk_overlap_tokens,
            batch_size=self.settings.embeddings.batch_size,
        )

    @cached_property
    def query_understanding(self) -> QueryUnderstanding:
        from assistant.query import QueryUnderstanding

        r = self.settings.retrieval
        return QueryUnderstanding(
            self.settings.lexicon_file,
            enabled=r.understand_queries,
        )

    @cached_property
    def retriever(self) -> HybridRetriever:
        from assistant.retrieval import HybridRetriever

        r = self.settings.retrieval
        return HybridRetriever(
            self.index,
            top_k=r.top_k,
            candidates=r.candidates,
            dense_weight=r.dense_weight,
            lexical_weight=r.lexical_weight,
            rrf_k=r.rrf_k,
            fusion=r.fusion,
            query_cache_size=r.query_cache_size,
            understanding=self.query_understanding,
            links=self.question_links,
            topics=self.topic_similarity,
        )

    @cached_property
    def topic_similarity(self) -> TopicSimilarity | None:
        """The gate's topic signals, when the embedding model's gate was fitted with them."""
        from assistant.relevance import relevance_model_for
        from assistant.topics import TopicSimilarity

        if "heading_similarity" not in relevance_model_for(self.embedding_model_id).signals:
            return None
        return TopicSimilarity(
            self.embedder, self.settings.off_topics_file, marked=self.question_links
        )

    @cached_property
    def generative_backend(self) -> ChatBackend | None:
        """The configured LLM backend, or None when answers are extractive only."""
        import assistant.llm  # noqa: F401 - registers the built-in backends
        from assistant.providers import llm_backends

        mode = self.settings.llm.backend
        if mode == "extractive":
            return None
        return llm_backends.create("ollama" if mode == "auto" else mode, self.settings)

    @cached_property
    def backends(self) -> BackendSelector:
        from assistant.llm import BackendSelector, ExtractiveAnswerer

        return BackendSelector(
            self.settings.llm.backend, self.generative_backend, ExtractiveAnswerer()
        )

    @cached_property
    def chat_engine(self) -> ChatEngine:
        from assistant.chat import ChatEngine

        llm = self.settings.llm
        slots = self.generative_backend.parallel_slots if self.generative_backend else 64
        return ChatEngine(
            retriever=self.retriever,
            scrubber=self.question_scrubber,
            vaults=self.vaults,
            backend_for_request=self.backends.current,
            extractive=self.backends.extractive,
            min_relevance=self.settings.retrieval.min_relevance,
            partial_relevance=self.settings.retrieval.partial_relevance,
            context_window=llm.context_window,
            max_answer_tokens=llm.max_answer_tokens,
            on_backend_failure=self.backends.mark_failed,
            parallel_slots=slots,
            stream_interval_ms=llm.stream_interval_ms,
            model_reformulations=self.settings.retrieval.model_reformulations,
        )

    @property
    def use_cases(self) -> UseCaseCatalog:
        """The sections of the indexed cas-usage sheets, for the priority use cases (an upload
        is in it as soon as it is indexed)."""
        return self._indexed_use_cases.current()

    @cached_property
    def _indexed_use_cases(self) -> IndexedUseCases:
        from assistant.services.priorities import IndexedUseCases

        return IndexedUseCases(self.index)

    @cached_property
    def corpus_state(self) -> SharedCorpusState:
        """The corpus manifest and its generation, shared by replicas through the database."""
        from assistant.index.generation import SharedCorpusState
        from assistant.index.vector_store import collection_name

        return SharedCorpusState(self.database, collection_name(self.embedding_model_id))

    @cached_property
    def vault_secret(self) -> str:
        """The vaults' server secret: the setting, else one made once in the data dir (0600)."""
        from assistant.security import data_dir_secret

        configured = self.settings.privacy.vault_key.get_secret_value()
        if not configured and self.database.backend != "sqlite":
            logging.getLogger(__name__).warning(
                "ASSISTANT_PRIVACY__VAULT_KEY unset with a shared database: replicas with "
                "their own data dirs will not read each other's pseudonyms"
            )
        return configured or data_dir_secret(self.data_dir / "vault.key")

    @cached_property
    def question_links(self) -> LinkedQuestions:
        """The questions of the queue's linked groups, that the retriever answers from their
        linked section (the database is opened on the first question, not here)."""
        from assistant.services.queue_vectors import (
            LINK_THRESHOLDS,
            LinkedQuestions,
            threshold_for,
        )

        model_id = self.embedding_model_id
        return LinkedQuestions(
            lambda: self.database, model_id, threshold_for(LINK_THRESHOLDS, model_id)
        )
