"""The facade: a typed question normalised and expanded against the vocabulary and lexicon."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.index.text import FRENCH_STOPWORDS, analyse, fold
from assistant.watched_file import WatchedFile

from ._lexicon import Lexicon, LexiconEntry, LexiconError, _key, load_lexicon_file
from ._normalisation import (
    _CIVILITY,
    _ELISIONS,
    _LETTERS,
    _PLACEHOLDER,
    _PLACEHOLDERS,
    _WORD,
    FILLER_PHRASES,
    FILLERS,
    SMS_SPELLINGS,
)
from ._vocabulary import Vocabulary, is_french_word

# What retrieval reads of a question at most: a question is 4,000 characters, a follow-up glued
# to three previous questions about 5,000; past that, more words cost time and add nothing.
MAX_QUERY_CHARS = 6000
MAX_TERM_GROUPS = 64

@dataclass(frozen=True)
class UnderstoodQuery:
    """A question as typed (scrubbed), spelt out, and expanded."""

    original: str
    normalised: str  # SMS and elisions spelt out, accents restored, typos corrected
    expansions: tuple[tuple[str, str], ...] = ()  # (term as typed, what it stands for)
    corrections: tuple[tuple[str, str], ...] = ()  # (word as typed, corpus word)

    @property
    def expanded(self) -> str:
        """What retrieval reads: the normalised question, each known acronym followed by its
        meaning in parentheses."""
        if not self.expansions:
            return self.normalised
        unique = {_key(meaning): meaning for _, meaning in reversed(self.expansions)}
        meanings = "; ".join(reversed(unique.values()))
        return f"{self.normalised} ({meanings})"

    @property
    def term_groups(self) -> list[frozenset[str]]:
        """The question's content terms (stemmed); an acronym and its meanings form one group,
        found when any of its terms is."""
        groups: list[frozenset[str]] = []
        expanded_terms: dict[str, set[str]] = {}
        for term, meaning in self.expansions:
            for stem in analyse(term):
                expanded_terms.setdefault(stem, set()).update(analyse(meaning))
        # Placeholders (« [PERSONNE_1] ») and civilities say nothing of the topic: they are
        # searched as typed, but the coverage of the question's terms ignores them.
        topical = _CIVILITY.sub(" ", _PLACEHOLDERS.sub(" ", self.normalised))
        for stem in list(dict.fromkeys(analyse(topical)))[:MAX_TERM_GROUPS]:
            groups.append(frozenset({stem} | expanded_terms.get(stem, set())))
        return groups


class QueryUnderstanding:
    """Normalises and expands questions against the current corpus vocabulary and lexicon.

    ``texts_of_generation`` gives the indexed texts and the index generation; the vocabulary
    and the acronyms the corpus defines follow the index's generation, and the lexicon file is
    read again when its modification time changes (checked at most once a second)."""

    def __init__(self, lexicon_path: Path | None = None, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._generation: object = object()
        self._vocabulary = Vocabulary([])
        self._corpus_acronyms: list[LexiconEntry] = []
        self._file: WatchedFile[list[LexiconEntry]] = WatchedFile(
            lexicon_path, load_lexicon_file, [], (LexiconError,)
        )
        self._lexicon = Lexicon()

    # ---- state ---------------------------------------------------------------------------
    def refresh(
        self, generation: object, vocabulary: Vocabulary, corpus_acronyms: list[LexiconEntry]
    ) -> None:
        """Follow the index: take its vocabulary and the acronyms its texts define when
        ``generation`` changed, and read the lexicon file again if it changed."""
        with self._lock:
            changed = generation != self._generation
            if changed:
                self._vocabulary = vocabulary
                self._corpus_acronyms = corpus_acronyms
                self._generation = generation
            if self._file.check() or changed:
                lexicon = Lexicon()
                for entry in self._corpus_acronyms:
                    lexicon.add(entry)
                for entry in self._file.value:  # the trainers' word wins
                    lexicon.add(entry)
                self._lexicon = lexicon

    @property
    def lexicon_path(self) -> Path | None:
        return self._file.path

    @property
    def lexicon_error(self) -> str:
        """Why the lexicon file could not be read ("" when it could; its last good entries
        stay in use)."""
        return self._file.error

    @property
    def lexicon(self) -> Lexicon:
        return self._lexicon

    @property
    def vocabulary(self) -> Vocabulary:
        return self._vocabulary

    # ---- the work ------------------------------------------------------------------------
    def understand(self, question: str) -> UnderstoodQuery:
        question = question[:MAX_QUERY_CHARS]
        if not self.enabled:
            return UnderstoodQuery(question, question)
        vocabulary, lexicon = self._vocabulary, self._lexicon
        typed = question
        question = FILLER_PHRASES.sub(" ", question)
        tokens = list(_WORD.finditer(question))
        pieces: list[str] = []
        corrections: list[tuple[str, str]] = []
        words: list[str] = []  # normalised words, for the lexicon lookup
        cursor = 0
        for match in tokens:
            pieces.append(question[cursor : match.start()])
            cursor = match.end()
            token = match.group(0)
            if fold(token.lower()) in FILLERS and token not in lexicon:
                continue
            replacement = self._normalise_word(token, vocabulary, lexicon)
            if fold(replacement) != fold(token):  # restored accents are not worth reporting
                corrections.append((token, replacement))
            pieces.append(replacement)
            words.append(replacement)
        pieces.append(question[cursor:])
        normalised = " ".join(unicodedata.normalize("NFC", "".join(pieces)).split())
        if not analyse(normalised):
            normalised = typed  # nothing but fillers: searched as typed
        expansions = self._expansions(words, lexicon)
        return UnderstoodQuery(typed, normalised, tuple(expansions), tuple(corrections))

    def _normalise_word(self, token: str, vocabulary: Vocabulary, lexicon: Lexicon) -> str:
        if _PLACEHOLDER.match(token) or not _LETTERS.match(token.replace("-", "").replace(
                "'", "").replace("’", "")):
            return token
        lowered = token.lower().replace("’", "'")
        folded = fold(lowered)
        if token in lexicon or (folded in lexicon and not token.isupper()):
            return token  # an acronym or a short form: expanded later, never "corrected"
        if folded in SMS_SPELLINGS and (folded in FRENCH_STOPWORDS or folded not in vocabulary):
            return SMS_SPELLINGS[folded]
        if "'" in folded or folded in FRENCH_STOPWORDS:
            return token
        if folded in vocabulary:
            surface = vocabulary.surface[folded]
            if lowered in vocabulary.written and lowered != surface.lower():
                return token  # « valide » is not « validé », « calculé » not « calcule »
            return _same_case(token, surface)
        glued = _split_elision(folded, vocabulary)
        if glued:
            return glued
        if vocabulary.knows_stem(folded) or token.isupper() or is_french_word(lowered):
            return token  # a real word the corpus does not use: left as typed
        closest = vocabulary.closest(folded)
        if closest is not None:
            return _same_case(token, vocabulary.surface[closest])
        return token

    def _expansions(self, words: list[str], lexicon: Lexicon) -> list[tuple[str, str]]:
        expansions: list[tuple[str, str]] = []
        folded = [_key(w) for w in words]
        longest = lexicon.longest
        position = 0
        while position < len(words):
            for size in range(min(longest, len(words) - position), 0, -1):
                key = " ".join(folded[position : position + size])
                entry = lexicon.entries.get(key)
                typed = " ".join(words[position : position + size])
                if entry is None and size == 1 and "'" in key:
                    # « l'AS », « d'EPCI »: the term after the elided article
                    typed = re.split(r"['’]", typed, maxsplit=1)[1]
                    key = key.split("'", 1)[1]
                    entry = lexicon.entries.get(key)
                if entry is None:
                    continue
                if size == 1 and key in FRENCH_STOPWORDS and not typed.isupper():
                    continue  # « as », « la »: an acronym only when typed in capitals
                # A term the corpus itself uses everywhere (« le syndicat », « DPO ») is found as
                # typed; its meaning would add common words that outweigh the question's own.
                content = [w for w in key.replace("'", " ").split() if w not in FRENCH_STOPWORDS]
                if content and all(self._vocabulary.is_common(w) for w in content):
                    position += size - 1
                    break
                for meaning in entry.meanings[:2]:
                    if _key(meaning) not in " ".join(folded):
                        expansions.append((typed, meaning))
                position += size - 1
                break
            position += 1
        return expansions


def _split_elision(folded: str, vocabulary: Vocabulary) -> str:
    for prefix in _ELISIONS:
        rest = folded[len(prefix) :]
        if folded.startswith(prefix) and len(rest) >= 2 and rest in vocabulary:
            if rest in FRENCH_STOPWORDS and prefix not in ("qu", "c", "j"):
                continue
            return f"{prefix}'{vocabulary.surface[rest]}"
    return ""


def _same_case(typed: str, surface: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return surface.upper()
    if typed[:1].isupper():
        return surface[:1].upper() + surface[1:]
    return surface
