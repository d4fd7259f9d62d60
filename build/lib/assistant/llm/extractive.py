"""The extractive backend: an answer made of the most relevant sentences of the top passages,
with their citations, in readable French. No language model at all."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.index.text import analyse

EXTRACTIVE_INTRO = (
    "D'après les documents du corpus (réponse composée d'extraits, sans modèle de langage) :"
)
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZÀ-ÖØ-Þ«\"(])|\n+")
_MARKDOWN = re.compile(r"^[#>*\-\s\d.)]+|\*\*|__|`")


_SOFT_BREAK = re.compile(r"(?<=\S)\n(?![ \t]*(?:[-*+>#|]|\d+[.)]\s|\n))")


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage; a hard-wrapped line is joined to the next one."""
    sentences = []
    for raw in _SENTENCE_END.split(_SOFT_BREAK.sub(" ", text)):
        sentence = _MARKDOWN.sub("", raw.strip()).strip()
        if len(sentence.split()) >= 4:
            sentences.append(sentence)
    return sentences


class ExtractiveAnswerer:
    """Picks sentences by shared stemmed terms with the question, favouring better passages."""

    name = "extractive"
    model = "extractif"

    def __init__(self, *, max_sentences: int = 4, max_passages: int = 3) -> None:
        self.max_sentences = max_sentences
        self.max_passages = max_passages

    def compose(self, question: str, passages: Sequence[str]) -> str:
        terms = set(analyse(question))
        candidates: list[tuple[float, int, int, str]] = []
        for p_index, text in enumerate(passages[: self.max_passages]):
            for s_index, sentence in enumerate(split_sentences(text)):
                words = set(analyse(sentence))
                overlap = len(terms & words) / (len(terms) or 1)
                score = overlap + 0.3 / (p_index + 1) + 0.05 / (s_index + 1)
                candidates.append((score, p_index, s_index, sentence))
        if not candidates:
            return ""
        chosen = sorted(candidates, reverse=True)[: self.max_sentences]
        chosen.sort(key=lambda c: (c[1], c[2]))
        lines = [EXTRACTIVE_INTRO]
        for _, p_index, _, sentence in chosen:
            if not sentence.endswith((".", "!", "?", ":", ";")):
                sentence += "."
            lines.append(f"- {sentence} [{p_index + 1}]")
        return "\n".join(lines)
