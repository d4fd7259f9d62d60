"""The corpus vocabulary: accents restored and typos corrected against the corpus's words."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable

from assistant.index.text import analyse, fold

from ._normalisation import _LETTERS, _WORD

# A word in more than this share of the passages is common (« syndicat », « DPO », « usager »).
COMMON_SHARE = 0.05


class Vocabulary:
    """The corpus's words: folded form -> count and most frequent written form, with a
    deletion index for typo-tolerant lookup (SymSpell's idea: two words within one or two edits
    share a string obtained by deleting at most one character from each)."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        documents: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        size = 0
        for text in texts:
            size += 1
            seen: set[str] = set()
            for token in _WORD.findall(text):
                if not _LETTERS.match(token.replace("-", "")):
                    continue
                folded = fold(token.lower())
                counts[folded] += 1
                seen.add(folded)
                forms.setdefault(folded, Counter())[token] += 1
            documents.update(seen)
        self.counts = counts
        self._documents = documents
        self._size = size
        self.surface = {folded: _written_form(c) for folded, c in forms.items()}
        # Every lowercase form the corpus writes (« valide » and « validé » both): a typed word
        # the corpus writes as typed keeps its accents, or their absence.
        self.written = frozenset(form.lower() for c in forms.values() for form in c)
        self._stems = frozenset(analyse(" ".join(counts), keep_stopwords=True))
        self._deletions: dict[str, list[str]] = {}
        for word in counts:
            if len(word) >= 4 and "-" not in word:
                for variant in _deletions(word):
                    self._deletions.setdefault(variant, []).append(word)

    def is_common(self, folded: str) -> bool:
        """Whether the folded word is in more than 5 % of the passages (and more than 3): a
        word the search finds as typed, whose expansion would only add common words."""
        return self._documents.get(folded, 0) > max(3, COMMON_SHARE * self._size)

    def __contains__(self, folded: str) -> bool:
        return folded in self.counts

    def knows_stem(self, folded: str) -> bool:
        stems = analyse(folded, keep_stopwords=True)
        return bool(stems) and all(stem in self._stems for stem in stems)

    def closest(self, folded: str) -> str | None:
        """The most frequent corpus word within one edit (words of 4 to 7 letters) or two edits
        (longer words) of ``folded``, else None."""
        if len(folded) < 4:
            return None
        limit = 1 if len(folded) < 8 else 2
        candidates: set[str] = set()
        for variant in _deletions(folded):
            candidates.update(self._deletions.get(variant, ()))
        undoubled = _undouble(folded)
        scored = [
            # a doubled letter typed once (« colé », « aplication ») is the likeliest typo
            (0.5 if _undouble(word) == undoubled else distance, -self.counts[word], word)
            for word in candidates
            if (distance := _damerau(folded, word, limit)) <= limit
        ]
        if not scored:
            return None
        return min(scored)[2]


_DOUBLED = re.compile(r"(.)\1+")


def _undouble(word: str) -> str:
    return _DOUBLED.sub(r"\1", word)


@functools.lru_cache(maxsize=1)
def _french_dictionary() -> dict[str, int]:
    """French words and their frequencies (pyspellchecker's list, built from subtitles)."""
    from spellchecker import SpellChecker

    return SpellChecker(language="fr", distance=1).word_frequency.dictionary


def is_french_word(word: str, *, min_count: int = 20) -> bool:
    """Whether ``word`` (lowercase, accents as typed) is a common written French word."""
    return _french_dictionary().get(word, 0) >= min_count


def _written_form(forms: Counter[str]) -> str:
    """How the corpus writes a word: « IA » in capitals when it is an acronym there, otherwise
    its most frequent lowercase form (« données », whatever starts a sentence)."""
    best = forms.most_common(1)[0][0]
    if len(best) > 1 and best.isupper():
        return best
    lowered: Counter[str] = Counter()
    for form, count in forms.items():
        lowered[form.lower()] += count
    return lowered.most_common(1)[0][0]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _damerau(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, stopping early above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
