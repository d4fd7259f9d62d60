"""Length-preserving folding for matching: lower case, no accents, Latin look-alikes."""

from __future__ import annotations

import unicodedata

_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g",
    # Greek
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x",
    # Punctuation
    "’": "'", "‘": "'", "ʼ": "'", "`": "`", "‐": "-", "‑": "-", "–": "-", "—": "-",
}  # fmt: skip
_fold_table: dict[int, str] = {}


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    lower = base.lower()
    if len(lower) != 1:
        lower = base
    return _CONFUSABLES.get(lower, lower)


def _fold(text: str) -> str:
    """Lower-case, accent-free, look-alike-free copy of ``text`` with the same length."""
    for ch in set(text):
        code = ord(ch)
        if code not in _fold_table:
            _fold_table[code] = _fold_char(ch)
    return text.translate(_fold_table)
