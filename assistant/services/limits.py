"""Limits every channel applies (API, OpenAI-compatible, page), with their French refusals."""

from __future__ import annotations

#: Longest question accepted, in characters, on every channel (API, OpenAI-compatible, page).
MAX_QUESTION_CHARS = 4000


def question_too_long(question: str) -> str | None:
    """The French refusal of a question over ``MAX_QUESTION_CHARS`` (spaces around it aside),
    or None."""
    length = len(question.strip())
    if length <= MAX_QUESTION_CHARS:
        return None
    return (
        f"La question est trop longue ({thousands(length)} caractères) : "
        f"{thousands(MAX_QUESTION_CHARS)} caractères au plus. Raccourcissez-la, ou posez-la "
        "en plusieurs fois."
    )


def thousands(number: int) -> str:
    """« 20 000 »: French digit grouping (narrow no-break space)."""
    return f"{number:,}".replace(",", "\u202f")
