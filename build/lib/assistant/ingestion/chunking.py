"""Chunks that follow the document's structure.

A chunk never spans two sections (heading paths) nor two PDF pages. A long section is cut at
paragraph boundaries, then line boundaries (lists, tables), then sentence boundaries, then
words as a last resort, into pieces of at most ``max_tokens`` estimated tokens; consecutive
pieces of one section share about ``overlap_tokens`` of text. A short section stays a chunk
of its own, however small: a heading with two lines is still citable. Same input, same chunks.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.ingestion.loaders import Block, LoadedDocument

__all__ = ["Chunk", "chunk_document", "count_tokens"]

_PIECES = re.compile(r"\w+|[^\w\s]")
_WORD_COST = 1.2
_LONG_WORD_FROM = 6
_LONG_WORD_COST = 0.15
_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"»)\]]))\s+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Chunk:
    """A passage ready for embedding, with the metadata a citation needs."""

    text: str
    title: str
    section: str
    section_path: str
    page: int | None
    ordinal: int


def _weight(text: str) -> float:
    total = 0.0
    for piece in _PIECES.findall(text):
        if piece[0].isalnum() or piece[0] == "_":
            total += _WORD_COST + _LONG_WORD_COST * max(0, len(piece) - _LONG_WORD_FROM)
        else:
            total += 1.0
    return total


def count_tokens(text: str) -> int:
    """Estimate how many tokens multilingual-e5 (XLM-R sentencepiece) sees in ``text``.

    Each word counts 1.2, plus 0.15 per character beyond the sixth (long French words are cut
    into several pieces); each punctuation mark or symbol counts 1. Measured against the real
    e5 tokenizer on the bundled corpus (863 paragraphs), the estimate is on average 8.5 % above
    the truth, at most 22 % below it (tables full of ``|---|``) and within -6 % for 95 % of
    paragraphs: keep ``max_tokens`` a good margin below the model's 512-token window.
    The estimate is additive over whitespace-separated parts.
    """
    return math.ceil(_weight(text) - 1e-9)


# --------------------------------------------------------------------------------------------
# Splitting a section into atoms no larger than a budget
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Atom:
    text: str
    sep: str  # separator placed before this atom when it follows another one in a chunk
    weight: float


def _paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, keeping fenced code blocks whole."""
    result: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is None:
            match = _FENCE.match(line)
            if match:
                fence = match.group(1)
            elif not line.strip():
                if current:
                    result.append("\n".join(current))
                    current = []
                continue
        elif re.match(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", line):
            fence = None
        current.append(line)
    if current:
        result.append("\n".join(current))
    return result


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _cut_word(word: str, budget: float) -> list[str]:
    """Cut a string without spaces into the longest slices within ``budget`` (binary search:
    the weight of a prefix never decreases as it grows)."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        low, high = start + 1, len(word)
        while low < high:
            middle = (low + high + 1) // 2
            if _weight(word[start:middle]) <= budget:
                low = middle
            else:
                high = middle - 1
        pieces.append(word[start:low])
        start = low
    return pieces


def _split_words(text: str, budget: float) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    weight = 0.0
    for word in text.split():
        word_weight = _weight(word)
        if word_weight > budget:  # a monster "word" (URL, hash): cut it by characters
            if current:
                pieces.append(" ".join(current))
                current, weight = [], 0.0
            pieces.extend(_cut_word(word, budget))
            continue
        if current and weight + word_weight > budget:
            pieces.append(" ".join(current))
            current, weight = [], 0.0
        current.append(word)
        weight += word_weight
    if current:
        pieces.append(" ".join(current))
    return pieces


def _atoms(text: str, budget: float) -> list[_Atom]:
    """Cut ``text`` into atoms of weight <= budget, at the coarsest boundary that suffices."""
    atoms: list[_Atom] = []

    def add(piece: str, sep: str) -> None:
        piece = piece.strip("\n")
        if piece.strip():
            atoms.append(_Atom(piece, sep if atoms else "", _weight(piece)))

    for paragraph in _paragraphs(text):
        if _weight(paragraph) <= budget:
            add(paragraph, "\n\n")
            continue
        first_of_paragraph = True
        for line in paragraph.split("\n"):
            if not line.strip():
                continue
            sep = "\n\n" if first_of_paragraph else "\n"
            first_of_paragraph = False
            if _weight(line) <= budget:
                add(line, sep)
                continue
            for index, sentence in enumerate(_sentences(line)):
                sentence_sep = sep if index == 0 else " "
                if _weight(sentence) <= budget:
                    add(sentence, sentence_sep)
                    continue
                for word_index, piece in enumerate(_split_words(sentence, budget)):
                    add(piece, sentence_sep if word_index == 0 else " ")
    return atoms


def _join(atoms: list[_Atom]) -> str:
    return "".join(atom.text if i == 0 else atom.sep + atom.text for i, atom in enumerate(atoms))


def _overlap(previous: list[_Atom], budget: float) -> list[_Atom]:
    """The tail of the previous piece, at most ``budget`` tokens, cut at sentence or word ends."""
    if budget <= 0 or not previous:
        return []
    tail: list[_Atom] = []
    weight = 0.0
    for atom in reversed(previous):
        if weight + atom.weight <= budget:
            tail.insert(0, atom)
            weight += atom.weight
            continue
        sentences = _sentences(atom.text)
        parts: list[str] = []
        for sentence in reversed(sentences):
            sentence_weight = _weight(sentence)
            if weight + sentence_weight > budget:
                break
            parts.insert(0, sentence)
            weight += sentence_weight
        if not parts and not tail:
            words = atom.text.split()
            for word in reversed(words):
                word_weight = _weight(word)
                if weight + word_weight > budget:
                    break
                parts.insert(0, word)
                weight += word_weight
        if parts:
            text = " ".join(parts)
            tail.insert(0, _Atom(text, atom.sep, _weight(text)))
        break
    return tail


def _pack(atoms: list[_Atom], max_tokens: int, overlap_tokens: int, min_tokens: int) -> list[str]:
    """Greedy packing; each piece after the first starts with the tail of the one before."""
    pieces: list[tuple[list[_Atom], int]] = []  # (atoms, how many leading atoms are overlap)
    current: list[_Atom] = []
    shared = 0
    weight = 0.0
    for atom in atoms:
        if len(current) > shared and weight + atom.weight > max_tokens:
            pieces.append((current, shared))
            current = _overlap(current, overlap_tokens)
            weight = sum(a.weight for a in current)
            if weight + atom.weight > max_tokens:
                current, weight = [], 0.0
            shared = len(current)
        current.append(atom)
        weight += atom.weight
    if len(current) > shared:
        pieces.append((current, shared))
    if len(pieces) >= 2:
        (before, before_shared), (last, last_shared) = pieces[-2], pieces[-1]
        if _weight(_join(last[last_shared:])) < min_tokens:
            merged = before + last[last_shared:]
            if sum(a.weight for a in merged) <= max_tokens:
                pieces[-2:] = [(merged, before_shared)]
    return [_join(piece) for piece, _ in pieces]


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def _sections(blocks: tuple[Block, ...]) -> list[tuple[tuple[str, ...], int | None, str]]:
    """Merge consecutive blocks that share heading path and page."""
    merged: list[tuple[tuple[str, ...], int | None, str]] = []
    for block in blocks:
        text = block.text.strip("\n")
        if not text.strip():
            continue
        if merged and merged[-1][0] == block.heading_path and merged[-1][1] == block.page:
            path, page, previous = merged[-1]
            merged[-1] = (path, page, previous + "\n\n" + text)
        else:
            merged.append((block.heading_path, block.page, text))
    return merged


def chunk_document(
    doc: LoadedDocument,
    *,
    max_tokens: int = 300,
    overlap_tokens: int = 40,
    min_tokens: int = 20,
) -> list[Chunk]:
    """Cut ``doc`` into citable chunks (see the module docstring for the rules).

    ``min_tokens``: the last piece of a split section, when smaller than this, is merged into
    the piece before it if that stays within ``max_tokens``; whole sections are never dropped
    or merged for being small. ``overlap_tokens`` must be less than half of ``max_tokens``.
    """
    if max_tokens < 16:
        raise ValueError("max_tokens must be at least 16")
    if not 0 <= overlap_tokens < max_tokens / 2:
        raise ValueError("overlap_tokens must be >= 0 and < max_tokens / 2")
    if min_tokens < 0:
        raise ValueError("min_tokens must be >= 0")
    title = str(doc.metadata.get("title") or doc.source_name)
    budget = max_tokens - overlap_tokens
    chunks: list[Chunk] = []
    for heading_path, page, text in _sections(doc.blocks):
        atoms = _atoms(text, budget)
        for piece in _pack(atoms, max_tokens, overlap_tokens, min_tokens):
            chunks.append(
                Chunk(
                    text=piece,
                    title=title,
                    section=heading_path[-1] if heading_path else "",
                    section_path=" > ".join(heading_path),
                    page=page,
                    ordinal=len(chunks),
                )
            )
    return chunks
