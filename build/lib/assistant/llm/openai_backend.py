"""Any OpenAI-compatible server: vLLM, llama.cpp's server, the State's Albert API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

from assistant.llm.base import (
    BackendStatus,
    ClientPerLoop,
    LLMError,
    Message,
    connection_limits,
    next_within,
)
from assistant.providers import require


class OpenAICompatibleBackend:
    """Streams chat completions from an OpenAI-compatible ``/v1`` endpoint."""

    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        temperature: float = 0.1,
        connect_timeout_s: float = 3.0,
        timeout_s: float = 120.0,
        parallel_slots: int = 4,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self.temperature = temperature
        self.timeout_s = timeout_s
        self.parallel_slots = parallel_slots
        self._api_key = api_key
        self._connect_timeout_s = connect_timeout_s
        self._clients = ClientPerLoop(self._new_client)

    def _new_client(self):
        openai = require("openai", "le paquet openai (pip install openai)")
        import httpx

        return openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=self._api_key,
            max_retries=0,
            timeout=httpx.Timeout(self.timeout_s, connect=self._connect_timeout_s),
            http_client=openai.DefaultAsyncHttpxClient(
                limits=connection_limits(self.parallel_slots)
            ),
        )

    def _client(self):
        return self._clients.get()

    async def astream(self, messages: Sequence[Message], *, max_tokens: int) -> AsyncIterator[str]:
        """Stream the answer; the server-sent events are read as JSON lines.

        The client sends the request and maps HTTP errors; its per-chunk pydantic models are
        skipped, as they cost more of the event loop than all the rest of a token's way when a
        hundred answers stream at once.
        """
        openai = require("openai", "le paquet openai (pip install openai)")
        import httpx

        client = self._client()
        try:
            async with client.chat.completions.with_streaming_response.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
                max_tokens=max_tokens,
                temperature=self.temperature,
            ) as response:
                # Leaving this block closes the response: the shared client gets its
                # connection back even when the answer stops early (agent gone, timeout).
                received = response.iter_text()
                pending = ""
                produced = finished = False
                while not finished:
                    try:
                        pending += await next_within(received, self.timeout_s)
                    except StopAsyncIteration:
                        break
                    *lines, pending = pending.split("\n")
                    # Every token already received goes out as one piece: when the app falls
                    # behind, it forwards fewer, longer pieces instead of falling further behind.
                    pieces = []
                    for line in lines:
                        piece = _delta_content(line.rstrip("\r"))
                        if piece is _DONE:
                            finished = True
                            break
                        if piece:
                            pieces.append(piece)
                    if pieces:
                        produced = True
                        yield "".join(pieces)
            if not produced:
                # llama.cpp's server ends the stream silently when the prompt does not fit.
                raise LLMError("Le serveur de modèle n'a renvoyé aucun texte (contexte dépassé ?).")
        except openai.NotFoundError:
            raise LLMError(f"Le modèle « {self.model} » est inconnu du serveur.") from None
        except openai.APIStatusError as error:
            raise LLMError(
                f"Le serveur de modèle a renvoyé une erreur ({error.status_code})."
            ) from None
        except (openai.APIError, httpx.HTTPError, TimeoutError, ConnectionError) as error:
            raise LLMError(
                f"Serveur de modèle injoignable ou interrompu ({type(error).__name__})."
            ) from None

    async def acheck(self) -> BackendStatus:
        status = BackendStatus(name=self.name, model=self.model, reachable=False)
        client = self._client()
        try:
            listing = await client.models.list()
            status.reachable = True
            status.models = [m.id for m in listing.data]
            status.model_present = self.model in status.models or self.model == "default"
            status.detail = "Modèle présent." if status.model_present else "Modèle absent."
        except Exception as error:
            status.detail = f"Serveur injoignable à {self.base_url} ({type(error).__name__})."
        return status


_DONE = object()


def _delta_content(line: str) -> str | object | None:
    """The text of one ``data:`` line of a streamed chat completion, ``_DONE`` at the end.

    Raises ``LLMError`` for an error event (vLLM and llama.cpp report failures mid-stream as a
    ``data:`` line holding an ``error`` object).
    """
    if not line.startswith("data:"):
        return None  # blank separator, comment, or event name
    data = line[5:].strip()
    if data == "[DONE]":
        return _DONE
    try:
        payload = json.loads(data)
    except ValueError:
        raise LLMError("Réponse illisible du serveur de modèle.") from None
    if not isinstance(payload, dict):
        return None
    if payload.get("error"):
        raise LLMError("Le serveur de modèle a signalé une erreur pendant la réponse.")
    choices = payload.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return None
    delta = choices[0].get("delta") or {}
    content = delta.get("content") if isinstance(delta, dict) else None
    return content if isinstance(content, str) else None
