"""Person names: spaCy's PER entities, filtered, plus French rules spaCy misses.

Rules: titled names ("M. Dupont", "Mme Marie Durand", "Maître Bernard", "Dr Martin"), the
administrative upper-case form ("DURAND Marie", "Marie DURAND"), form fields ("Nom : DURAND"),
and a known first name followed by a capitalised surname ("Marie Le Gall-Durand"). The filter
keeps towns, institutions, products and forms of address without a name ("Monsieur le Maire")
visible: masking them would ruin retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .findings import PERSONNE
from .lexicon import (
    CAPITALISED_STOPWORDS,
    FACILITY_WORDS,
    FUNCTION_WORDS,
    INSTRUCTION_VERBS,
    TITLES,
    first_names,
    fold,
    is_first_name,
    not_persons,
    places,
    wordset,
)
from .recognizers import LOWER, UPPER, Span

#: Label that the nlp engine gives spaCy's PER entities (see the scrubber's NER mapping).
SPACY_PERSON_LABEL = PERSONNE

_TITLE = "|".join(re.escape(t) for t in sorted(TITLES, key=len, reverse=True))
_CAP = rf"[{UPPER}][{LOWER}]+(?:['’][{UPPER}][{LOWER}]+)?"  # Durand, O'Neil
_UP = rf"[{UPPER}]{{2,}}|[{UPPER}]['’][{UPPER}]{{2,}}"  # DURAND, D'ALMEIDA
_WORD = rf"(?:{_CAP}|{_UP})(?:-(?:{_CAP}|{_UP}))*"  # Le-Gall, DURAND-LEFEVRE
_FIRST = rf"{_CAP}(?:-{_CAP})*"  # Marie, Jean-Pierre
_UPWORD = rf"(?:{_UP})(?:-(?:{_UP}))*"
_PARTICLE = (
    r"(?:de\s+la|de\s+l['’]|des|de|du|van\s+der|van\s+den|van|von|der|den|di|da|del|della|"
    r"dos|das|le|la|ben|ibn|el|al|Le|La|Les|De|Du|Des|Van|Von|Di|Da|Del|Dos|Ben|El|Al|"
    r"DE\s+LA|DE|DU|DES|LE|LA|VAN|VON|DA|DI|DOS|BEN|EL)"
)
_ELISION = r"(?:[dD]['’]|[lL]['’])"
_SURNAME = rf"(?:(?:{_PARTICLE})\s+|{_ELISION})*{_WORD}"
_GAP = r"[ \t\u00a0]+"  # names do not run across lines

TITLED = re.compile(
    rf"(?<![\w.])(?:{_TITLE})(?!\w)(?:[ \t\u00a0]*\.)?{_GAP}"
    rf"(?P<name>(?:(?:{_PARTICLE}){_GAP}|{_ELISION})?{_WORD}(?:{_GAP}{_SURNAME}){{0,3}})"
)
UPPER_LAST = re.compile(  # DURAND Marie, LE GALL Jean-Pierre
    rf"(?<![\w'’-])(?P<name>(?:(?:DE{_GAP}LA|DE|DU|DES|LE|LA|VAN|VON|DA|DI|DOS|BEN|EL){_GAP}"
    rf"|[DL]['’])?{_UPWORD}(?:{_GAP}{_UPWORD})?{_GAP}(?P<first>{_FIRST})(?:{_GAP}{_FIRST})?)"
    r"(?![\w'’-])"
)
UPPER_FIRST = re.compile(  # Marie DURAND, Jean-Pierre DE LA FONTAINE
    rf"(?<![\w'’-])(?P<name>(?P<first>{_FIRST})(?:{_GAP}{_FIRST})?{_GAP}"
    rf"(?:(?:DE{_GAP}LA|DE|DU|DES|LE|LA|VAN|VON|DA|DI|DOS|BEN|EL){_GAP}|[DL]['’])?"
    rf"{_UPWORD}(?:{_GAP}{_UPWORD})?)(?![\w'’-])"
)
FIRST_LAST = re.compile(  # Marie Durand, Camille de la Le Goff, Luc Coulon Le Renaud
    rf"(?<![\w'’-])(?P<name>(?P<first>{_FIRST})(?:{_GAP}{_FIRST})?(?:{_GAP}{_SURNAME}){{1,3}})"
    r"(?![\w'’-])"
)
FORM_FIELD = re.compile(
    r"(?i:\bnom(?:\s+(?:de\s+naissance|d['’]usage|de\s+famille|marital|patronymique))?"
    r"|\bpr[ée]noms?|\bnom\s+et\s+pr[ée]noms?|\bpr[ée]nom\s+et\s+nom)"
    rf"\s*:\s*(?P<name>{_WORD}(?:{_GAP}{_SURNAME}){{0,3}})"
)
_PLACEHOLDER = re.compile(r"\[[A-ZÉ_]+_\d+\]")
_PLACE_BEFORE = re.compile(  # "née à Aubry", "domicilié à Masson": a town, not a person
    r"(?:\bn[ée]e?s?(?:\s?\(e\))?|domicili[ée]e?s?|r[ée]sidante?s?|demeurante?s?|habitante?s?|"
    r"situ[ée]e?s?|originaire|mairie|commune|ville|villes?)\s+(?:à|a|de|d['’])\s*$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_LOWER_ARTICLES = frozenset({"le", "la", "les", "l'", "l’"})
_PARTICLE_WORDS = wordset(
    "de la l' d' des du van der den von di da del della dos das le les ben ibn el al"
)


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


def _is_blocked_word(word: str, *, as_surname: bool = False) -> bool:
    """Whether ``word`` cannot be part of a name. After a first name (``as_surname``), towns
    and first names are surnames too: "Marie Paris", "Nicolas Albert"."""
    key = fold(word)
    if key in CAPITALISED_STOPWORDS or key in FUNCTION_WORDS or key.strip("'’") in _PARTICLE_WORDS:
        return True
    if key not in not_persons():
        return False
    return not (as_surname and (key in places() or key in first_names()))


def _previous_word(text: str, start: int) -> str:
    """The word before ``start``, skipping particles and titles ("avenue du Général" -> avenue)."""
    words = re.findall(r"[\w'’.-]+", text[max(0, start - 60) : start])
    for word in reversed(words[-4:]):
        key = fold(word).strip(".'’")
        if key in _PARTICLE_WORDS or key in FUNCTION_WORDS or key in {"d", "l"}:
            continue
        return key
    return ""


_VERB = re.compile(rf"[{UPPER}][{LOWER}]+(?:ez|ons|iser|ifier)")


def _looks_like_verb(word: str) -> bool:
    return bool(_VERB.fullmatch(word)) or fold(word) in INSTRUCTION_VERBS


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n(«\"]\s*)$")
_LINE_START = re.compile(r"\s*(?:[-*•>#|]+\s*|\d+[.)]\s*)*")
_ALONE_ON_LINE = re.compile(r"\W*[\w'’-]+\W*")
_MARKUP_BEFORE = re.compile(r"[*#>_`\"«]\s*$")
_LABEL_AFTER = re.compile(r"\s*:")
_SEPARATOR = re.compile(r"[\s,]+")


def _drop_leading_verb(text: str, start: int, end: int) -> tuple[int, int] | None:
    """ "Rappelez DURAND Marie": spaCy may glue the imperative that opens a sentence to the
    name that follows it."""
    first = _WORDS.match(text, start)
    if (
        first
        and first.end() < end
        and _looks_like_verb(first.group())
        and not is_first_name(first.group())
        and _SENTENCE_START.search(text, max(0, start - 3), start)
    ):
        rest = _SEPARATOR.match(text, first.end())
        return (rest.end(), end) if rest and rest.end() < end else None
    return start, end


_PARTICLE_TAIL = re.compile(
    rf"{_GAP}(?:(?:de{_GAP}la|de{_GAP}l['’]|de|du|des|Le|La|van|von|Van|Von){_GAP}|[dD]['’])"
    rf"(?P<name>{_WORD})(?![\w'’-])"
)


def _extend_with_particles(text: str, end: int) -> int:
    """spaCy often stops before a particle: "Lorraine Giraud| de la Navarro"."""
    match = _PARTICLE_TAIL.match(text, end)
    if (
        match
        and not _is_blocked_word(match.group("name"))
        and not is_first_name(match.group("name"))
    ):
        return match.end()
    return end


class PersonRecognizer:
    """Person names in French text: French rules plus spaCy's PER entities, filtered."""

    ENTITY = PERSONNE
    name = "FrPersonRecognizer"

    def find(self, text: str, spacy_entities: Iterable = ()) -> Iterator[Span]:
        """Yield ``(start, end, score)`` person spans (may overlap; the scrubber merges).

        ``spacy_entities``: spaCy spans whose ``label_`` is ``PERSONNE`` (others are ignored).
        """
        yield from self._titled(text)
        yield from self._upper_case_forms(text, spacy_entities)
        yield from self._form_fields(text)
        yield from self._first_last(text)
        for ent in spacy_entities:
            if ent.label_ == SPACY_PERSON_LABEL:
                span = self._filter_spacy(text, ent.start_char, ent.end_char)
                if span:
                    yield span

    # ------------------------------------------------------------------ rules
    def _titled(self, text: str) -> Iterator[Span]:
        for match in TITLED.finditer(text):
            start, end = match.span("name")
            name = match.group("name")
            words = _words(name)
            if not words or words[0] in _LOWER_ARTICLES:
                continue  # "Monsieur le Maire", "Madame la Directrice"
            kept = self._cut_at_blocked(text, start, end, allow_particles_first=True, titled=True)
            if kept:
                yield kept[0], kept[1], 0.9

    def _upper_case_forms(self, text: str, spacy_entities: Iterable) -> Iterator[Span]:
        spacy_person_spans = [
            (e.start_char, e.end_char) for e in spacy_entities if e.label_ == SPACY_PERSON_LABEL
        ]
        for regex in (UPPER_LAST, UPPER_FIRST):
            for match in regex.finditer(text):
                start, end = match.span("name")
                words = _words(match.group("name"))
                upper = [w for w in words if w.isupper() and fold(w) not in _PARTICLE_WORDS]
                if not upper or any(fold(w) in not_persons() for w in upper):
                    continue
                first = match.group("first")
                others = [w for w in words if not w.isupper() and w not in first.split("-")]
                if any(_is_blocked_word(w) for w in others) or (
                    _is_blocked_word(first) and not is_first_name(first)
                ):
                    continue
                if _previous_word(text, start) in FACILITY_WORDS:
                    continue
                if is_first_name(first):
                    yield start, end, 0.85
                elif any(  # an unknown first name: only if spaCy reads it as a person too
                    s <= match.start("first") and match.end("first") <= e
                    for s, e in spacy_person_spans
                ):
                    yield start, end, 0.75

    def _form_fields(self, text: str) -> Iterator[Span]:
        for match in FORM_FIELD.finditer(text):
            start, end = match.span("name")
            kept = self._cut_at_blocked(text, start, end, allow_particles_first=True, titled=True)
            if kept:
                yield kept[0], kept[1], 0.85

    def _first_last(self, text: str) -> Iterator[Span]:
        for match in FIRST_LAST.finditer(text):
            first = match.group("first")
            if not is_first_name(first):
                continue
            start, end = match.span("name")
            previous = _previous_word(text, start)
            if previous in FACILITY_WORDS or previous in {"saint", "sainte", "st", "ste"}:
                continue
            kept = self._cut_at_blocked(
                text, match.end("first"), end, allow_particles_first=True, strip_leading=False
            )
            if not kept:
                continue
            yield start, kept[1], 0.75

    # ------------------------------------------------------------------ spaCy
    def _filter_spacy(self, text: str, start: int, end: int) -> Span | None:
        # strip a leading title ("M. Dupont", "Madame Le Gall") and refuse "Monsieur le Maire"
        title = re.match(rf"(?:{_TITLE})(?!\w)\.?\s*", text[start:end])
        if title:
            start += title.end()
            rest = _words(text[start:end])
            if not rest or rest[0] in _LOWER_ARTICLES:
                return None
        value = text[start:end]
        if not value.strip() or _PLACEHOLDER.search(value) or re.search(r"[\d@/\\|#<>{}=]", value):
            return None
        if "\n" in value.strip():
            value = value.strip().split("\n")[0]
            end = start + len(value)
        words = _words(value)
        if not words or all(not w[0].isupper() for w in words):
            return None
        if len(words) == 1 and words[0].isupper() and len(words[0]) <= 5:
            return None  # an acronym (DGS, DPO...) read as a name
        if fold(value) in not_persons():
            return None
        previous = _previous_word(text, start)
        if previous in FACILITY_WORDS or _PLACE_BEFORE.search(text, max(0, start - 40), start):
            return None
        kept = self._cut_at_blocked(text, start, end, allow_particles_first=False)
        if not kept:
            return None
        kept = _drop_leading_verb(text, *kept)
        if not kept:
            return None
        inner = _words(text[kept[0] : kept[1]])
        if len(inner) == 1 and not is_first_name(inner[0]):
            word = inner[0]
            line_start = text.rfind("\n", 0, kept[0]) + 1
            line_end = text.find("\n", kept[1])
            line = text[line_start : len(text) if line_end < 0 else line_end]
            before = text[line_start : kept[0]]
            opens = _SENTENCE_START.search(text, max(0, kept[0] - 3), kept[0]) or (
                _LINE_START.fullmatch(before)
            )
            if len(word) <= 2 or (
                opens
                and (
                    _looks_like_verb(word)
                    or _ALONE_ON_LINE.fullmatch(line)
                    or _MARKUP_BEFORE.search(before)
                    or _LABEL_AFTER.match(text, kept[1])
                )
            ):
                return None  # "Rédige un courrier", "## Glossaire", "**Contenus**", "Longueur :"
        # lower-case words inside a name are only particles ("de", "du"...)
        inner = _words(text[kept[0] : kept[1]])
        if any(w[0].islower() and fold(w).strip("'’") not in _PARTICLE_WORDS for w in inner):
            return None
        return kept[0], _extend_with_particles(text, kept[1]), 0.75

    @staticmethod
    def _cut_at_blocked(
        text: str,
        start: int,
        end: int,
        *,
        allow_particles_first: bool,
        strip_leading: bool = True,
        titled: bool = False,
    ) -> tuple[int, int] | None:
        """Trim blocked words (places, institutions, vocabulary) from both ends of a span and
        cut it at the first blocked word inside; None if nothing name-like is left."""
        tokens = [(m.start() + start, m.end() + start, m.group()) for m in
                  _WORDS.finditer(text[start:end])]  # fmt: skip

        def is_particle(word: str) -> bool:
            return fold(word).strip("'’") in _PARTICLE_WORDS

        def blocked_first(tokens) -> bool:
            word = tokens[0][2]
            return _is_blocked_word(word, as_surname=titled) and not (
                allow_particles_first and is_particle(word) and len(tokens) > 1
            )

        if strip_leading:
            while tokens and blocked_first(tokens):
                tokens.pop(0)
        elif tokens and blocked_first(tokens):
            return None
        for index, token in enumerate(tokens):
            after_particle = index and is_particle(tokens[index - 1][2])  # "Durand de Nantes"
            blocked = _is_blocked_word(token[2], as_surname=not after_particle)
            if index and blocked and not is_particle(token[2]):
                tokens = tokens[:index]
                break
        while tokens and is_particle(tokens[-1][2]):
            tokens.pop()
        if not tokens or all(is_particle(t[2]) for t in tokens):
            return None
        return tokens[0][0], tokens[-1][1]
