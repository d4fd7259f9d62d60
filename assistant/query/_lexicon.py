"""The lexicon: acronyms and short forms from ``corpus/lexique.yaml`` and from the corpus."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.index.text import fold

from ._normalisation import SMS_SPELLINGS

# « Long form (SIGLE) » and « SIGLE (long form) », as the corpus defines its acronyms.
_ACRONYM = r"[A-Z][A-Za-z]{0,2}[A-Z]{1,6}s?"
_DEFINED_AFTER = re.compile(rf"((?:[\w'’-]+\s+){{1,10}}?)\(({_ACRONYM})\)")
_DEFINED_BEFORE = re.compile(rf"\b({_ACRONYM})\s+\(([^()]{{4,90}})\)")

@dataclass(frozen=True)
class LexiconEntry:
    """A term agents type and what it stands for in the corpus's words."""

    term: str
    meanings: tuple[str, ...]
    jobs: tuple[str, ...] = ()


@dataclass
class Lexicon:
    """Acronyms and short forms, looked up by their folded words (one to three words)."""

    entries: dict[str, LexiconEntry] = field(default_factory=dict)

    def add(self, entry: LexiconEntry, *, replace: bool = True) -> None:
        key = _key(entry.term)
        if not key or (not replace and key in self.entries):
            return
        self.entries[key] = entry
        # A term of several words is looked up among the question's words once their SMS
        # spellings are spelt out: « données perso » is read « données personnel ».
        words = key.split()
        spelt = " ".join(_key(SMS_SPELLINGS.get(w, w)) for w in words)
        if len(words) > 1 and spelt != key:
            self.entries.setdefault(spelt, entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, term: str) -> bool:
        return _key(term) in self.entries

    def get(self, term: str) -> LexiconEntry | None:
        return self.entries.get(_key(term))

    @property
    def longest(self) -> int:
        return max((len(k.split()) for k in self.entries), default=1)


def _key(term: str) -> str:
    return " ".join(fold(term).replace("’", "'").split())


class LexiconError(ValueError):
    """The lexicon file cannot be read: the message says where, in French."""


def load_lexicon_file(path: Path) -> list[LexiconEntry]:
    """Entries of a lexicon file (YAML list of ``{terme, sens, metiers}``); see
    ``corpus/lexique.yaml`` for the documented format."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LexiconError(f"lexique illisible ({path.name}) : {error}") from error
    if not isinstance(raw, list):
        raise LexiconError(f"lexique {path.name} : une liste d'entrées est attendue")
    entries = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or "terme" not in item or "sens" not in item:
            raise LexiconError(
                f"lexique {path.name}, entrée {number} : « terme » et « sens » sont requis"
            )
        meanings = item["sens"] if isinstance(item["sens"], list) else [item["sens"]]
        jobs = item.get("metiers") or []
        terms = item["terme"] if isinstance(item["terme"], list) else [item["terme"]]
        for term in terms:
            entries.append(
                LexiconEntry(
                    term=str(term).strip(),
                    meanings=tuple(str(m).strip() for m in meanings if str(m).strip()),
                    jobs=tuple(str(j) for j in jobs),
                )
            )
    return entries


def acronyms_defined_in(texts: Iterable[str]) -> list[LexiconEntry]:
    """The acronyms a corpus defines: « analyse d'impact (AIPD) », « AIPD (analyse d'impact) ».

    The long form before a parenthesis is kept only when the initials of its words spell the
    acronym in order (Schwartz and Hearst's rule, simplified)."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for match in _DEFINED_BEFORE.finditer(text):
            acronym, long_form = match.group(1), match.group(2).strip()
            if _initials_match(acronym, long_form, loose=True):
                found.setdefault(acronym, set()).add(long_form)
        for match in _DEFINED_AFTER.finditer(text):
            words, acronym = match.group(1).split(), match.group(2)
            long_form = _long_form_ending(words, acronym)
            if long_form:
                found.setdefault(acronym, set()).add(long_form)
    return [
        LexiconEntry(term=acronym, meanings=tuple(sorted(forms, key=len)[:2]))
        for acronym, forms in found.items()
    ]


_SMALL_WORDS = frozenset(["de", "des", "du", "la", "le", "les", "l", "d", "à", "a", "au", "aux",
                          "et", "en", "pour", "sur", "par"])


def _initials_match(acronym: str, long_form: str, *, loose: bool = False) -> bool:
    letters = [c for c in fold(acronym) if c.isalpha()]
    if letters and letters[-1] == "s" and len(letters) > 2:
        letters_plural = letters[:-1]
    else:
        letters_plural = letters
    words = [w for w in re.split(r"[\s'’-]+", fold(long_form)) if w]
    initials = [w[0] for w in words if w not in _SMALL_WORDS and w[0].isalpha()]
    if not initials:
        return False
    for candidate in (letters, letters_plural):
        if initials[: len(candidate)] == candidate and (loose or len(initials) == len(candidate)):
            return True
        # letters taken in order from the words' initials (tolerates a skipped word)
        position = 0
        for initial in initials:
            if position < len(candidate) and initial == candidate[position]:
                position += 1
        if position == len(candidate) and initials[0] == candidate[0] and (
            len(initials) <= len(candidate) + 2
        ):
            return True
    return False


def _long_form_ending(words: list[str], acronym: str) -> str:
    """The shortest run of words ending before the parenthesis whose initials spell
    ``acronym``."""
    for start in range(len(words) - 1, -1, -1):
        candidate = " ".join(words[start:]).strip(" ,;:")
        first = fold(words[start])
        if first in _SMALL_WORDS:
            continue
        if _initials_match(acronym, candidate):
            return re.sub(r"^[ldLD]['’]", "", candidate)
    return ""
