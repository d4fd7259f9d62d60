"""Deterministic test doubles, fakes rather than mocks: a scripted chat backend that
records what it was sent, and a hashing embedder that pauses an import midway. The hashing
embedder itself lives in ``assistant.embeddings`` (registered as ``hashing``)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr

from assistant.embeddings import HashingEmbedding
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


class EventGate:
    """Pauses a ``PausingEmbedding`` of this process: ``arm(n)``, then ``paused`` is set once
    ``n`` batches went through, and the next batch waits for ``resume``."""

    def __init__(self) -> None:
        self.armed_after: int | None = None
        self.batches = 0
        self.paused = threading.Event()
        self.resume = threading.Event()

    def arm(self, after: int) -> None:
        self.armed_after, self.batches = after, 0
        self.paused.clear()
        self.resume.clear()

    def batch(self) -> None:
        if self.armed_after is None:
            return
        if self.batches == self.armed_after:
            self.armed_after = None
            self.paused.set()
            if not self.resume.wait(300):
                raise TimeoutError("the test never resumed the paused import")
        self.batches += 1


class FileGate:
    """The same across processes, through files of ``folder``: ``paused`` is created once
    ``after`` batches went through, then the next batch waits until ``resume`` exists."""

    def __init__(self, folder: Path, after: int) -> None:
        self.folder, self.after, self.batches = folder, after, 0

    def batch(self) -> None:
        if self.batches == self.after:
            (self.folder / "paused").touch()
            deadline = time.monotonic() + 300
            while not (self.folder / "resume").exists():
                if time.monotonic() > deadline:
                    raise TimeoutError("the test never resumed the paused import")
                time.sleep(0.05)
        self.batches += 1


class PausingEmbedding(HashingEmbedding):
    """The hashing embedder (same model id, same vectors) that a gate pauses between two
    batches, as a slow embedding model would be caught midway through a large import."""

    _gate: Any = PrivateAttr(default=None)

    def __init__(self, gate: EventGate | FileGate, **kwargs: Any) -> None:
        kwargs.setdefault("embed_batch_size", 16)  # one gate step per batch of the ingestion
        super().__init__(model_name="hashing", **kwargs)
        self._gate = gate

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        self._gate.batch()
        return [self._vector(text) for text in texts]
