"""Query understanding without a model: what an agent typed, made searchable.

Agents type « c koi un prompt », « jai cliqué sur un lien », « PC délai instruction ? »: SMS
spellings, elisions without apostrophe, missing accents, typos, town-hall acronyms. The corpus
is written in full, accented French. Before retrieval, a question is

1. normalised: SMS spellings and glued elisions spelt out (« cest » -> « c'est »), then each word
   unknown to the corpus is matched to the corpus vocabulary: its accents restored
   (« donnees » -> « données ») or, failing that, its typo corrected (« hamecconage » ->
   « hameçonnage », one or two edits, the most frequent candidate);
2. expanded: acronyms and short forms found in the lexicon (``corpus/lexique.yaml``, edited by
   trainers, plus the « Long form (SIGLE) » pairs that the corpus itself defines) are followed
   by what they stand for (« PC (permis de construire) »).

Dense retrieval embeds the expanded text; BM25 reads it too. The original words are kept, so a
correction that was not needed costs little. Both the vocabulary and the lexicon follow the
index: they are rebuilt when the corpus changes (each import or removal), and the lexicon file is
read again when it changes.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.index.text import FRENCH_STOPWORDS, analyse, fold

# SMS spellings and oral contractions, folded -> what they stand for. Closed-class words only
# (the vocabulary of any French chat): the corpus' own words go through the lexicon.
SMS_SPELLINGS: dict[str, str] = {
    "c": "c'est",
    "cé": "c'est",
    "ct": "c'était",
    "koi": "quoi",
    "kwa": "quoi",
    "quoa": "quoi",
    "kel": "quel",
    "kelle": "quelle",
    "kels": "quels",
    "kelles": "quelles",
    "ke": "que",
    "ki": "qui",
    "koment": "comment",
    "cmt": "comment",
    "cmnt": "comment",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "pkoi": "pourquoi",
    "pourkoi": "pourquoi",
    "qd": "quand",
    "kan": "quand",
    "kand": "quand",
    "tt": "tout",
    "tte": "toute",
    "ts": "tous",
    "ttes": "toutes",
    "bcp": "beaucoup",
    "ds": "dans",
    "dc": "donc",
    "pr": "pour",
    "pck": "parce que",
    "pcq": "parce que",
    "psk": "parce que",
    "ac": "avec",
    "avc": "avec",
    "mm": "même",
    "nn": "non",
    "oue": "oui",
    "ouai": "oui",
    "ouais": "oui",
    "jsp": "je ne sais pas",
    "jsais": "je sais",
    "chais": "je sais",
    "chui": "je suis",
    "chuis": "je suis",
    "jsuis": "je suis",
    "jpeux": "je peux",
    "jpe": "je peux",
    "jpeu": "je peux",
    "jdois": "je dois",
    "jveux": "je veux",
    "jvais": "je vais",
    "jfais": "je fais",
    "g": "j'ai",
    "jai": "j'ai",
    "jen": "j'en",
    "jy": "j'y",
    "cest": "c'est",
    "sest": "s'est",
    "quil": "qu'il",
    "quils": "qu'ils",
    "quon": "qu'on",
    "jcrois": "je crois",
    "jpense": "je pense",
    "jme": "je me",
    "jle": "je le",
    "jla": "je la",
    "ya": "il y a",
    "yen": "il y en",
    "ya-t-il": "y a-t-il",
    "qqn": "quelqu'un",
    "qq1": "quelqu'un",
    "qqch": "quelque chose",
    "qqc": "quelque chose",
    "qlq": "quelque",
    "tjrs": "toujours",
    "tjs": "toujours",
    "slt": "salut",
    "stp": "s'il te plaît",
    "svp": "s'il vous plaît",
    "rdv": "rendez-vous",
    "pb": "problème",
    "pbm": "problème",
    "pbs": "problèmes",
    "msg": "message",
    "vs": "versus",
    "cad": "c'est-à-dire",
    "càd": "c'est-à-dire",
    "exple": "exemple",
    "ex": "exemple",
    "infos": "informations",
    "info": "information",
    "dispo": "disponible",
    "perso": "personnel",
    "persos": "personnelles",
    "pro": "professionnel",
    "auj": "aujourd'hui",
    "ajd": "aujourd'hui",
    "mtn": "maintenant",
    "dsl": "désolé",
    "bjr": "bonjour",
    "bsr": "bonsoir",
}
# Words of spoken French that carry no topic (« franchement », « du coup », « genre ») and drown
# the few that do in a short question: dropped from what retrieval reads.
FILLERS = frozenset(
    [
        "franchement", "genre", "bref", "bon", "ben", "bah", "euh", "hein", "trop", "truc",
        "trucs", "machin", "carrément", "grave", "vraiment", "svp", "stp", "merci", "bonjour",
        "salut", "coucou", "voilà", "ok", "okay", "d'accord", "style", "limite",
    ]
)
FILLER_PHRASES = re.compile(
    r"\b(?:du coup|en vrai|en fait|vite fait|à la base|tu vois|vous voyez|s'il te plaît|"
    r"s'il vous plaît|par hasard|au fait|de ouf)\b",
    re.IGNORECASE,
)

# Elisions that agents glue to the next word (« jai », « lia », « dun »): a token that is not a
# corpus word but whose end is one, after one of these.
_ELISIONS = ("qu", "c", "d", "j", "l", "m", "n", "s", "t")
_WORD = re.compile(r"\[[A-ZÉÈÀÂÎÔÛÇ_]+_\d+\]|[\w’']+(?:-[\w’']+)*", re.UNICODE)
_PLACEHOLDERS = re.compile(r"\[[A-ZÉÈÀÂÎÔÛÇ_]+_\d+\]")
_CIVILITY = re.compile(r"\b(?:M|Mme|Mmes|Mlle|MM|Mr|Madame|Monsieur|Mademoiselle)\b\.?")
_LETTERS = re.compile(r"^[^\W\d_]+$", re.UNICODE)
_PLACEHOLDER = re.compile(r"^\[[A-ZÉÈÀÂÎÔÛÇ_]+_\d+\]$")
# « Long form (SIGLE) » and « SIGLE (long form) », as the corpus defines its acronyms.
_ACRONYM = r"[A-Z][A-Za-z]{0,2}[A-Z]{1,6}s?"
_DEFINED_AFTER = re.compile(rf"((?:[\w'’-]+\s+){{1,10}}?)\(({_ACRONYM})\)")
_DEFINED_BEFORE = re.compile(rf"\b({_ACRONYM})\s+\(([^()]{{4,90}})\)")


# What retrieval reads of a question at most: a question is 4,000 characters, a follow-up glued
# to three previous questions about 5,000; past that, more words cost time and add nothing.
MAX_QUERY_CHARS = 6000
MAX_TERM_GROUPS = 64


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


class Vocabulary:
    """The corpus's words: folded form -> count and most frequent written form, with a
    deletion index for typo-tolerant lookup (SymSpell's idea: two words within one or two edits
    share a string obtained by deleting at most one character from each)."""

    def __init__(self, texts: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        for text in texts:
            for token in _WORD.findall(text):
                if not _LETTERS.match(token.replace("-", "")):
                    continue
                folded = fold(token.lower())
                counts[folded] += 1
                forms.setdefault(folded, Counter())[token] += 1
        self.counts = counts
        self.surface = {folded: _written_form(c) for folded, c in forms.items()}
        self._stems = frozenset(analyse(" ".join(counts), keep_stopwords=True))
        self._deletions: dict[str, list[str]] = {}
        for word in counts:
            if len(word) >= 4 and "-" not in word:
                for variant in _deletions(word):
                    self._deletions.setdefault(variant, []).append(word)

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
        self.lexicon_path = lexicon_path
        self.enabled = enabled
        self._lock = threading.Lock()
        self._generation: object = object()
        self._lexicon_stamp: tuple[float, int] | None = None
        self._vocabulary = Vocabulary([])
        self._corpus_acronyms: list[LexiconEntry] = []
        self._file_entries: list[LexiconEntry] = []
        self._lexicon = Lexicon()
        self.lexicon_error = ""
        self._checked_at = float("-inf")

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
            if self._reload_lexicon_file() or changed:
                lexicon = Lexicon()
                for entry in self._corpus_acronyms:
                    lexicon.add(entry)
                for entry in self._file_entries:  # the trainers' word wins
                    lexicon.add(entry)
                self._lexicon = lexicon

    def _reload_lexicon_file(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at < 1.0:
            return False
        self._checked_at = now
        path = self.lexicon_path
        if path is None or not path.is_file():
            changed = self._lexicon_stamp is not None
            self._lexicon_stamp, self._file_entries = None, []
            return changed
        stat = path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        if stamp == self._lexicon_stamp:
            return False
        self._lexicon_stamp = stamp
        try:
            self._file_entries = load_lexicon_file(path)
            self.lexicon_error = ""
        except LexiconError as error:
            self.lexicon_error = str(error)  # the previous entries stay in use
        return True

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


__all__ = [
    "SMS_SPELLINGS",
    "Lexicon",
    "LexiconEntry",
    "LexiconError",
    "QueryUnderstanding",
    "UnderstoodQuery",
    "Vocabulary",
    "acronyms_defined_in",
    "load_lexicon_file",
]
