"""The extractive backend: an answer made of the best section's own words, with its heading and
citation, in readable French. No language model at all.

An answer is one whole unit of the best passage (a paragraph, or a list with the sentence that
announces it), not sentences picked one by one from three documents: sentences out of their
paragraph read as fragments, and one that ends on a colon without its list announces nothing.
"""

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
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ«\"(])")
# A line that continues a sentence begun before it: a lowercase word or a punctuation mark.
_CONTINUATION = re.compile(r"^\s*(?:[a-zà-öø-ÿ]|[,;:.)»])")
_UNIT_CHARS = 900  # about 150 words: a paragraph or a list of five to eight items


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage; a hard-wrapped line is joined to the next one."""
    sentences = []
    for raw in _SENTENCE_END.split(_SOFT_BREAK.sub(" ", text)):
        sentence = _MARKDOWN.sub("", raw.strip()).strip()
        if len(sentence.split()) >= 4:
            sentences.append(sentence)
    return sentences


def units(text: str) -> list[str]:
    """A passage's units: its paragraphs and lists, a list joined to the sentence that
    announces it (« … : »), never a lead-in alone."""
    blocks: list[list[str]] = []
    for raw in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in raw.splitlines() if line.strip()]
        if not lines or lines[0].lstrip().startswith("|"):
            continue  # tables do not read as an answer
        if lines[0].lstrip().startswith("#"):
            lines = lines[1:]  # a heading repeated in the text
            if not lines:
                continue
        blocks.append(lines)
    if len(blocks) > 1 and _CONTINUATION.match(blocks[0][0]):
        # The passage starts where the chunking cut a sentence (« ou l'assistance ; - recueille
        # les besoins… »): what it continues is in the previous passage.
        blocks = blocks[1:]
    result: list[str] = []
    index = 0
    while index < len(blocks):
        lines = blocks[index]
        text_block = _join(lines)
        if text_block.endswith(":") and index + 1 < len(blocks):
            text_block = f"{text_block}\n{_join(blocks[index + 1])}"
            index += 1
        elif text_block.endswith(":"):
            index += 1
            continue  # a lead-in whose list was cut off by the chunking: say nothing of it
        result.append(_shorten(text_block))
        index += 1
    return [unit for unit in result if unit]


def _join(lines: list[str]) -> str:
    if any(_LIST_ITEM.match(line) for line in lines):
        return "\n".join(line.strip() for line in lines)
    return " ".join(line.strip() for line in lines)


def _shorten(unit: str) -> str:
    """At most ``_UNIT_CHARS``: whole list items or whole sentences, never a dangling colon."""
    if len(unit) <= _UNIT_CHARS:
        return unit
    lines = unit.split("\n")
    if len(lines) > 1:
        kept: list[str] = []
        for line in lines:
            if kept and sum(len(k) + 1 for k in kept) + len(line) > _UNIT_CHARS:
                break
            kept.append(line)
        if len(kept) > 1:
            return "\n".join(kept)
        unit = kept[0]
    sentences = _SENTENCE.split(unit)
    kept = []
    for sentence in sentences:
        if kept and sum(len(k) + 1 for k in kept) + len(sentence) > _UNIT_CHARS:
            break
        kept.append(sentence)
    text = " ".join(kept)
    while text.endswith(":") and len(kept) > 1:
        kept.pop()
        text = " ".join(kept)
    return text.rstrip(":").rstrip() + ("" if text.endswith((".", "!", "?")) else ".")


def opening(text: str, limit: int = 240) -> str:
    """The first sentence or two of a passage, as a preview (« voici les passages proches »)."""
    first = next(iter(units(text)), "")
    flat = " ".join(_MARKDOWN.sub("", line).strip() for line in first.split("\n"))
    kept = ""
    for sentence in _SENTENCE.split(flat):
        if kept and len(kept) + len(sentence) > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if len(kept) > limit:
        kept = kept[:limit].rsplit(" ", 1)[0] + "…"
    return kept.rstrip(":").rstrip()


class ExtractiveAnswerer:
    """Answers with the unit of the best passage that shares most terms with the question."""

    name = "extractive"
    model = "extractif"

    def __init__(self, *, max_passages: int = 3) -> None:
        self.max_passages = max_passages

    def compose(
        self, question: str, passages: Sequence[str], headings: Sequence[str] = ()
    ) -> str:
        """The best unit of the first passage (the retriever ranked it best), under its heading,
        then the other sections worth reading, by name."""
        if not passages:
            return ""
        terms = set(analyse(question))
        candidates = units(passages[0]) or [passages[0].strip()]
        scored = [
            (len(terms & set(analyse(unit))) / (len(terms) or 1) + 0.15 / (position + 1), unit)
            for position, unit in enumerate(candidates)
        ]
        best = max(scored, key=lambda pair: pair[0])[1]
        lines = [EXTRACTIVE_INTRO]
        if headings and headings[0]:
            lines.append(f"**{headings[0]}**")
        lines.append(f"{best} [1]")
        others = [
            f"« {heading} » [{n}]"
            for n, heading in enumerate(headings[1 : self.max_passages], start=2)
            if heading and heading != headings[0]
        ]
        if others:
            lines.append("Voir aussi : " + ", ".join(others) + ".")
        return "\n".join(lines)
