"""Ollama's native API: streamed /api/chat with a fixed context size and keep-alive."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import httpx

from assistant.llm.base import (
    BackendStatus,
    ClientPerLoop,
    LLMError,
    Message,
    connection_limits,
    next_within,
)
from assistant.providers import require


class OllamaBackend:
    """Streams answers from an Ollama server; ``keep_alive`` keeps the model loaded for webinars."""

    name = "ollama"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        context_window: int = 8192,
        keep_alive: str = "24h",
        temperature: float = 0.1,
        connect_timeout_s: float = 3.0,
        timeout_s: float = 120.0,
        parallel_slots: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.context_window = context_window
        self.keep_alive = keep_alive
        self.temperature = temperature
        self.timeout_s = timeout_s
        self.parallel_slots = parallel_slots
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._transport = transport
        self._clients = ClientPerLoop(self._new_client)

    def _new_client(self):
        ollama = require("ollama", "le paquet ollama (pip install ollama)")
        kwargs = {
            "host": self.base_url,
            "timeout": self._timeout,
            "limits": connection_limits(self.parallel_slots),
        }
        if self._transport is not None:
            kwargs["transport"] = self._transport
        return ollama.AsyncClient(**kwargs)

    def _client(self):
        return self._clients.get()

    async def astream(self, messages: Sequence[Message], *, max_tokens: int) -> AsyncIterator[str]:
        ollama = require("ollama", "le paquet ollama (pip install ollama)")
        client = self._client()
        stream = None
        try:
            stream = await client.chat(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
                keep_alive=self.keep_alive,
                options={
                    "num_ctx": self.context_window,
                    "num_predict": max_tokens,
                    "temperature": self.temperature,
                },
            )
            iterator = stream.__aiter__()
            while True:
                try:
                    part = await next_within(iterator, self.timeout_s)
                except StopAsyncIteration:
                    break
                text = part.message.content or ""
                if text:
                    yield text
                if part.done:
                    break
        except ollama.ResponseError as error:
            if error.status_code == 404:
                raise LLMError(
                    f"Le modèle « {self.model} » est absent du serveur Ollama : "
                    f"lancez `ollama pull {self.model}`."
                ) from None
            raise LLMError(f"Ollama a renvoyé une erreur ({error.status_code}).") from None
        except TimeoutError:
            raise LLMError("Ollama ne répond plus (délai dépassé).") from None
        except (httpx.HTTPError, ConnectionError, ValueError) as error:
            raise LLMError(
                f"Connexion à Ollama impossible ou interrompue ({type(error).__name__})."
            ) from None
        finally:
            if stream is not None:
                # The client is shared: close the response even when the answer stops early.
                await stream.aclose()

    async def acheck(self) -> BackendStatus:
        status = BackendStatus(name=self.name, model=self.model, reachable=False)
        try:
            listing = await self._client().list()
        except Exception as error:
            status.detail = f"Ollama ne répond pas à {self.base_url} ({type(error).__name__})."
            return status
        status.reachable = True
        status.models = [m.model for m in listing.models if m.model]
        wanted = {self.model, f"{self.model}:latest"} if ":" not in self.model else {self.model}
        status.model_present = any(name in wanted for name in status.models)
        status.detail = (
            "Modèle présent."
            if status.model_present
            else f"Modèle absent : lancez `ollama pull {self.model}`."
        )
        return status
