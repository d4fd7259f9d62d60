"""Generation backends and the registry entries of the built-in ones."""

from __future__ import annotations

import asyncio
import time

from assistant.llm.base import BackendStatus, ChatBackend, LLMError, Message
from assistant.llm.extractive import ExtractiveAnswerer
from assistant.providers import llm_backends

__all__ = [
    "BackendSelector",
    "BackendStatus",
    "ChatBackend",
    "ExtractiveAnswerer",
    "LLMError",
    "Message",
]


@llm_backends.register("ollama", "serveur Ollama (API native, flux NDJSON)")
def _ollama(settings):
    from assistant.llm.ollama_backend import OllamaBackend

    llm = settings.llm
    return OllamaBackend(
        base_url=llm.ollama_url,
        model=llm.ollama_model,
        context_window=llm.context_window,
        keep_alive=llm.keep_alive,
        temperature=llm.temperature,
        connect_timeout_s=llm.connect_timeout_s,
        timeout_s=llm.timeout_s,
        parallel_slots=llm.parallel_slots,
    )


@llm_backends.register("openai", "serveur compatible OpenAI (vLLM, llama.cpp, Albert)")
def _openai(settings):
    from assistant.llm.openai_backend import OpenAICompatibleBackend

    llm = settings.llm
    return OpenAICompatibleBackend(
        base_url=llm.openai_base_url,
        api_key=llm.openai_api_key.get_secret_value(),
        model=llm.openai_model,
        temperature=llm.temperature,
        connect_timeout_s=llm.connect_timeout_s,
        timeout_s=llm.timeout_s,
        parallel_slots=llm.parallel_slots,
    )


@llm_backends.register("extractive", "sans modèle : extraits les plus pertinents du corpus")
def _extractive(settings):
    return ExtractiveAnswerer()


class BackendSelector:
    """Chooses the backend of each request.

    ``auto`` uses Ollama while it answers with its model, otherwise the extractive backend;
    a failure marks the generative backend down until the next check (every ``recheck_s``).
    """

    def __init__(
        self, mode: str, generative, extractive: ExtractiveAnswerer, recheck_s: float = 30.0
    ) -> None:
        self.mode = mode
        self.generative = generative
        self.extractive = extractive
        self.recheck_s = recheck_s
        self.status: BackendStatus | None = None
        self.last_failure = ""
        self._checked_at = 0.0
        self._healthy = mode in ("ollama", "openai")

    @property
    def degraded(self) -> bool:
        """True when a configured LLM is not the one answering."""
        return self.mode != "extractive" and not self._healthy

    def current(self):
        if self.mode == "extractive" or self.generative is None:
            return self.extractive
        if self.mode == "auto" and not self._healthy:
            return self.extractive
        return self.generative

    async def refresh(self) -> BackendStatus:
        if self.generative is None:
            self.status = BackendStatus(
                "extractive",
                "extractif",
                True,
                True,
                "Réponses extractives (aucun modèle de langage).",
            )
            self._healthy = False
            return self.status
        self.status = await self.generative.acheck()
        self._healthy = self.status.ready
        self._checked_at = time.monotonic()
        return self.status

    def refresh_sync(self) -> BackendStatus:
        return asyncio.run(self.refresh())

    async def refresh_if_due(self) -> None:
        if self.generative is not None and time.monotonic() - self._checked_at > self.recheck_s:
            await self.refresh()

    def mark_failed(self, reason: str) -> None:
        self.last_failure = reason
        if self.mode == "auto":
            self._healthy = False
            self._checked_at = time.monotonic()

    @property
    def in_use(self) -> str:
        return self.current().name
