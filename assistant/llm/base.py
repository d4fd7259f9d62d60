"""The one streaming interface every generation backend speaks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

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
