"""Any OpenAI-compatible server: vLLM, llama.cpp's server, the State's Albert API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from assistant.llm.base import BackendStatus, LLMError, Message
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

    def _client(self):
        openai = require("openai", "le paquet openai (pip install openai)")
        import httpx

        return openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=self._api_key,
            max_retries=0,
            timeout=httpx.Timeout(self.timeout_s, connect=self._connect_timeout_s),
        )

    async def astream(self, messages: Sequence[Message], *, max_tokens: int) -> AsyncIterator[str]:
        openai = require("openai", "le paquet openai (pip install openai)")
        client = self._client()
        try:
            stream = await client.chat.completions.create(
                model=self.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                stream=True,
                max_tokens=max_tokens,
                temperature=self.temperature,
            )
            iterator = stream.__aiter__()
            produced = False
            while True:
                try:
                    chunk = await asyncio.wait_for(iterator.__anext__(), self.timeout_s)
                except StopAsyncIteration:
                    break
                if chunk.choices and chunk.choices[0].delta.content:
                    produced = True
                    yield chunk.choices[0].delta.content
            if not produced:
                # llama.cpp's server ends the stream silently when the prompt does not fit.
                raise LLMError("Le serveur de modèle n'a renvoyé aucun texte (contexte dépassé ?).")
        except openai.NotFoundError:
            raise LLMError(f"Le modèle « {self.model} » est inconnu du serveur.") from None
        except openai.APIStatusError as error:
            raise LLMError(
                f"Le serveur de modèle a renvoyé une erreur ({error.status_code})."
            ) from None
        except (openai.APIError, TimeoutError, ConnectionError) as error:
            raise LLMError(
                f"Serveur de modèle injoignable ou interrompu ({type(error).__name__})."
            ) from None
        finally:
            await client.close()

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
        finally:
            await client.close()
        return status
