"""Follow-ups: what a conversation may weigh on one question, and a follow-up made standalone
when no model rewrites it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.chat._records import Turn

# A question that only makes sense with the conversation: it opens on a link word or on a
# subject pronoun that is not impersonal ("Il veut aussi…", not "Il faut…"), or it points back.
_FOLLOW_UP = re.compile(
    r"^(et|mais|alors|donc|aussi|ok|d'accord|dans ce cas|pareil|même|idem)\b|"
    r"^(il|elle|ils|elles)\b(?!\s+(faut|y a|est|s'agit|existe|reste|suffit|vaut)\b)|"
    r"\b(ça|cela|celui|celle|ceux|celles|le même|la même|en|aussi)\b|(?<!il )\by\b",
    re.IGNORECASE,
)

# What spoken French puts before the question itself (« bon, et pour… », « ben alors… »): left
# out before looking for a link word.
_OPENING_FILLERS = re.compile(
    r"^(?:(?:bon|ben|bah|beh|euh|ah|oh|oui|non|ok|okay|d'accord|du coup|au fait|sinon|tiens)"
    r"\s*[,!.…:]*\s+)+",
    re.IGNORECASE,
)

_CONTEXT_QUESTIONS = 3
_CONTEXT_QUESTION_CHARS = 300
# What one question may cost, whatever the request carries (the API's and the UI's own limit on
# a question is 4,000 characters). A seven-turn history of 8,000-character turns used to take
# 18-28 s of masking and retrieval; the prompt uses the last four turns, the follow-up rewriting
# the last six, so older turns and the end of very long ones are not worth their masking.
MAX_QUESTION_CHARS = 4000
MAX_HISTORY_TURNS = 6
MAX_TURN_CHARS = 1500


def bounded_history(history: Sequence[Turn]) -> list[Turn]:
    """The last ``MAX_HISTORY_TURNS`` turns, each cut to ``MAX_TURN_CHARS`` characters."""
    kept = list(history)[-MAX_HISTORY_TURNS:]
    return [Turn(turn.role, turn.content[:MAX_TURN_CHARS]) for turn in kept]


def condense_without_model(question: str, history: list[tuple[str, str]]) -> str:
    """The follow-up with the agent's previous questions (at most ``_CONTEXT_QUESTIONS``, the
    oldest first), when no model can rewrite it: a conversation's topic is usually set by its
    first question ("une image du maire générée par IA ?" then "et pour rire, en interne ?"),
    and the answers are left out (their wording comes from the passages already cited, and it
    drowns the new question's terms)."""
    previous = previous_questions(history)
    return f"{question} ({previous})" if previous else question


def previous_questions(history: list[tuple[str, str]]) -> str:
    """The agent's previous questions (at most ``_CONTEXT_QUESTIONS``, each cut to
    ``_CONTEXT_QUESTION_CHARS`` characters, the oldest first): the conversation's topic."""
    previous = [text[:_CONTEXT_QUESTION_CHARS] for role, text in history if role == "user"]
    return " ".join(previous[-_CONTEXT_QUESTIONS:])


_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _looks_like_follow_up(question: str) -> bool:
    question = _OPENING_FILLERS.sub("", question.strip())
    # Words, not the punctuation an agent puts after them (« lui répondre ? » is two words).
    return len(_WORD.findall(question)) <= 8 or bool(_FOLLOW_UP.search(question))
