"""The one streaming interface every generation backend speaks."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    """One chat message sent to a backend (already scrubbed of personal data)."""

    role: Role
    content: str


@dataclass
class BackendStatus:
    """What a backend reports about itself (for /health and `assistant doctor`)."""

    name: str
    model: str
    reachable: bool
    model_present: bool | None = None
    detail: str = ""
    models: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.reachable and self.model_present is not False

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "model": self.model,
            "reachable": self.reachable,
            "model_present": self.model_present,
            "ready": self.ready,
            "detail": self.detail,
        }


class LLMError(RuntimeError):
    """The backend failed (unreachable, missing model, timeout, dropped stream).

    The message is French and contains no prompt text.
    """


@runtime_checkable
class ChatBackend(Protocol):
    """A generative backend: streams the answer to scrubbed messages, token by token."""

    name: str
    model: str
    parallel_slots: int

    def astream(self, messages: Sequence[Message], *, max_tokens: int) -> AsyncIterator[str]:
        """Yield answer text pieces; raise LLMError on failure (possibly mid-stream)."""

    async def acheck(self) -> BackendStatus:
        """Tell whether the server answers and has the model, without raising."""


ItemT = TypeVar("ItemT")


async def next_within(iterator: AsyncIterator[ItemT], timeout_s: float) -> ItemT:
    """The iterator's next item, or ``TimeoutError`` after ``timeout_s`` seconds.

    Called for every token: ``asyncio.timeout`` arms a timer, where ``asyncio.wait_for`` would
    also create a task per token (a tenth of a millisecond each, on the event loop).
    """
    async with asyncio.timeout(timeout_s):
        return await anext(iterator)


def connection_limits(parallel_slots: int):
    """HTTP connection limits for a model server: every generation slot keeps its connection,
    so no answer waits for the pool (plus room for health checks)."""
    import httpx

    return httpx.Limits(
        max_connections=parallel_slots + 16, max_keepalive_connections=parallel_slots
    )


ClientT = TypeVar("ClientT")


class ClientPerLoop(Generic[ClientT]):
    """One HTTP client per event loop, reused by every request on that loop.

    Building a client builds a TLS context (tens of milliseconds of CPU, on the event loop) and
    a new connection pool; under a webinar's load that cost alone delayed every first token.
    httpx clients belong to the loop that first used them, hence one per loop (the server has
    one; tests and the CLI may run several in turn).
    """

    def __init__(self, factory: Callable[[], ClientT]) -> None:
        self._factory = factory
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ClientT] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> ClientT:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._factory()
        return client
