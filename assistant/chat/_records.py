"""What the engine says: the turns of a conversation, the streamed events, the answer's record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.retrieval import Passage


@dataclass
class Turn:
    """One turn of a conversation as the agent typed it (raw; scrubbed before any prompt)."""

    role: str  # "user" | "assistant"
    content: str


@dataclass
class AnswerRecord:
    """Everything about one answer. ``answer`` may hold restored personal data (for the same
    agent only); everything else, and ``to_log()``, is scrubbed."""

    question_id: str
    conversation_id: str
    answer: str
    answer_scrubbed: str
    citations: list[dict]
    refused: bool  # True only when ``coverage`` is "refused"
    backend: str
    model: str
    fallback: str
    scrubbed_question: str
    standalone_question: str
    findings: list[dict]
    question_flagged: bool
    injection_rules: list[str]
    invented_citations_removed: int
    relevance: float
    prompt_tokens: int
    answer_tokens: int
    # "answered": the corpus covers the question; "partial": it may not answer it exactly, the
    # closest passages are given as such; "refused": nothing relevant enough.
    coverage: str = "answered"
    timings: dict[str, float] = field(default_factory=dict)
    prompts_sent: list[list[dict]] = field(default_factory=list, repr=False)
    # What the retrieval returned, best first, even when the gate refused (for the quality
    # suite); the citations are the passages actually given.
    retrieved: list[Passage] = field(default_factory=list, repr=False)

    def to_public(self) -> dict[str, Any]:
        # The prompts and passages are emptied before the deep copy, not copied then dropped.
        data = asdict(replace(self, prompts_sent=[], retrieved=[]))
        del data["prompts_sent"], data["retrieved"]
        data["finding_types"] = sorted({f["type"] for f in self.findings})
        return data

    def to_log(self) -> dict[str, Any]:
        """What may be stored: no restored answer, no prompt, no raw text."""
        data = self.to_public()
        data.pop("answer")
        return data


@dataclass
class ChatEvent:
    """One streamed event: ``findings`` (what was masked, first), ``queue`` (position),
    ``token`` (text), ``sources``, ``final``."""

    type: str
    data: Any
