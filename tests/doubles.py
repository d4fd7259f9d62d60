"""Deterministic test doubles (see STYLE.md): a scripted chat backend that records what it was
sent. The hashing embedder lives in ``assistant.embeddings`` (registered as ``hashing``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from assistant.llm.base import BackendStatus, LLMError, Message


class ScriptedChatBackend:
    """Answers with scripted replies, piece by piece, and records every prompt it receives.

    ``fail_after``: raise LLMError after that many pieces of a reply (None = never);
    ``piece_chars``: pieces of that many characters instead of words.
    """

    name = "scripted"

    def __init__(
        self,
        replies: Sequence[str] = ("Réponse de test [1].",),
        *,
        fail_after: int | None = None,
        delay_s: float = 0.0,
        model: str = "script",
        parallel_slots: int = 4,
        piece_chars: int = 0,
    ) -> None:
        self.replies = list(replies)
        self.piece_chars = piece_chars
        self.fail_after = fail_after
        self.delay_s = delay_s
        self.model = model
        self.parallel_slots = parallel_slots
        self.received: list[list[Message]] = []

    async def astream(self, messages: Sequence[Message], *, max_tokens: int) -> AsyncIterator[str]:
        self.received.append(list(messages))
        reply = self.replies[min(len(self.received) - 1, len(self.replies) - 1)]
        if self.piece_chars:
            step = self.piece_chars
            pieces = [reply[i : i + step] for i in range(0, len(reply), step)]
        else:
            pieces = [w if n == 0 else " " + w for n, w in enumerate(reply.split(" "))]
        for index, piece in enumerate(pieces):
            if self.fail_after is not None and index >= self.fail_after:
                raise LLMError("Connexion au modèle interrompue (test).")
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield piece

    async def acheck(self) -> BackendStatus:
        return BackendStatus(self.name, self.model, True, True, "Modèle présent.")

    def all_prompt_text(self) -> str:
        return "\n".join(m.content for messages in self.received for m in messages)
