"""French pattern recognizers, with checksum validators and context words.

Each recognizer exposes ``find(text)`` (plain ``(start, end, score)`` tuples) and does not
depend on Presidio, so that the regex-only safety net ``redact_structured`` can use them without
importing it; ``registry.py`` wraps them as Presidio recognizers for the ``AnalyzerEngine``.
Scores: a checksum-validated
or unambiguous match scores 0.85-1.0; a plausible match without its context words scores below
the default 0.5 threshold when the format alone is too common to mask.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from . import checksums
from .findings import (
    ADRESSE,
    CNI,
    DATE_NAISSANCE,
    EMAIL,
    IBAN,
    NIR,
    PASSEPORT,
    PLAQUE,
    SIREN,
    SIRET,
    TELEPHONE,
)
from .lexicon import AMBIGUOUS_STREET_TYPES, ROLE_MAILBOXES, STREET_TYPES, fold

UPPER = "A-ZÀ-ÖØ-ÞŒ"
LOWER = "a-zß-öø-ÿœ"
SEP = r"[ .\-\u00a0\u202f]"  # separators people put inside numbers (incl. no-break spaces)

Span = tuple[int, int, float]


@dataclass(frozen=True)
class Rule:
    """One regular expression of a recognizer: its base score and the group to mask."""

    regex: re.Pattern[str]
    score: float
    group: int | str = 0
    name: str = ""


def _context(*words: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


class FrenchPatternRecognizer:
    """Base class: regex rules, a validator and context words looked for around each match.

    Subclasses set ``ENTITY``, ``RULES``, optionally ``CONTEXT`` and override ``score_match``.
    """

    ENTITY: str = ""
    RULES: tuple[Rule, ...] = ()
    CONTEXT: re.Pattern[str] | None = None
    CONTEXT_BEFORE = 80
    CONTEXT_AFTER = 40

    @property
    def name(self) -> str:
        """Recognizer name as Presidio shows it."""
        return f"Fr{type(self).__name__}"

    def find(self, text: str) -> Iterator[Span]:
        """Yield ``(start, end, score)`` for every validated match (may overlap)."""
        for rule in self.RULES:
            for match in rule.regex.finditer(text):
                start, end = match.span(rule.group)
                if start == end:
                    continue
                score = self.score_match(match, rule, text, start, end)
                if score:
                    yield start, end, score

    def score_match(
        self, match: re.Match[str], rule: Rule, text: str, start: int, end: int
    ) -> float | None:
        """Score of a match (None to reject). Default: the rule's score, raised by context."""
        if self.has_context(text, start, end):
            return max(rule.score, 0.95)
        return rule.score

    def has_context(self, text: str, start: int, end: int) -> bool:
        """True when a context word appears just before or after ``text[start:end]``."""
        if self.CONTEXT is None:
            return False
        before = text[max(0, start - self.CONTEXT_BEFORE) : start]
        after = text[end : end + self.CONTEXT_AFTER]
        return bool(self.CONTEXT.search(before) or self.CONTEXT.search(after))


# --------------------------------------------------------------------------- NIR
class NirRecognizer(FrenchPatternRecognizer):
    """French social security number: 13 digits + key (97 - N mod 97), Corsica 2A/2B."""

    ENTITY = NIR
    RULES = (
        Rule(
            re.compile(
                rf"(?<![\w+])[1-478]{SEP}?\d{{2}}{SEP}?\d{{2}}{SEP}?(?:\d{{2}}|2[ABab])"
                rf"{SEP}?\d{{3}}{SEP}?\d{{3}}(?:{SEP}?\d{{2}})?(?!\w)"
            ),
            1.0,
        ),
    )
    CONTEXT = _context(
        r"s[ée]curit[ée]\s+sociale",
        r"s[ée]cu",
        "NIR",
        "NSS",
        "INSEE",
        r"n°\s*(?:de\s+)?SS",
        r"carte\s+vitale",
        r"num[ée]ro\s+d['’]immatriculation",
        r"num[ée]ro\s+social",
        "MSA",
        r"mutualit[ée]\s+sociale\s+agricole",
    )

    def score_match(self, match, rule, text, start, end):
        chars = checksums.compact(match.group())
        if len(chars) == 15 and checksums.nir_valid(chars):
            return 1.0
        # wrong key, or key missing: only with a context word ("sécurité sociale", "NIR"...)
        return 0.6 if self.has_context(text, start, end) else None


# --------------------------------------------------------------------------- phones
class PhoneRecognizer(FrenchPatternRecognizer):
    """French numbers (0X XX XX XX XX, +33 X, +33 (0)X, 0033), overseas, and international
    numbers next to a phone word."""

    ENTITY = TELEPHONE
    RULES = (
        Rule(
            re.compile(
                rf"(?<![\w+])(?:(?:\+|00){SEP}?33{SEP}?(?:\(0\){SEP}?)?|\(0\){SEP}?|0)"
                rf"[1-9](?:{SEP}{{0,2}}\d){{8}}(?!\d)"
            ),
            0.85,
        ),
        Rule(
            re.compile(
                rf"(?<![\w+])(?:\+|00){SEP}?(?:262|590|594|596|269|687|689|508|681|32|41|352|377)"
                rf"{SEP}?(?:\(0\){SEP}?)?\d(?:{SEP}?\d){{7,9}}(?!\d)"
            ),
            0.85,
        ),
        Rule(re.compile(rf"(?<![\w+])\+[1-9]\d{{0,2}}(?:{SEP}?\(?\d\)?){{6,13}}(?!\d)"), 0.45),
    )
    CONTEXT = _context(
        r"t[ée]l[ée]?(?:phone)?",
        "tel",
        "portable",
        "mobile",
        "fixe",
        "fax",
        "appel(?:er|ez|le|la)?",
        "joindre",
        "joignable",
        "whatsapp",
        "sms",
        r"num[ée]ro",
        "n°",
    )


# --------------------------------------------------------------------------- e-mail
class EmailRecognizer(FrenchPatternRecognizer):
    """E-mail addresses, offline (no public-suffix download), including "[at]" spellings.

    Shared mailboxes of a role ("dpo@", "contact@", "rssi@") are not personal data: they score
    below the threshold, so that the corpus keeps the addresses people must write to.
    """

    ENTITY = EMAIL
    _LOCAL = r"[\w.%+\-']*[\w%+\-]"
    _DOMAIN = r"(?:[\w](?:[\w\-]*[\w])?\.)+[^\W\d_]{2,24}(?![\w\-])"
    RULES = (
        Rule(re.compile(rf"(?<![\w.%+\-']){_LOCAL}@{_DOMAIN}"), 0.95),
        Rule(
            re.compile(
                rf"(?<![\w.%+\-']){_LOCAL}\s*(?:\[at\]|\(at\)|\[arobase\]|\(arobase\)|"
                rf"\s(?:at|arobase)\s)\s*(?:[\w](?:[\w\-]*[\w])?\s*(?:\.|\[dot\]|\(dot\)|"
                rf"\[point\]|\(point\))\s*)+[^\W\d_]{{2,24}}(?![\w\-])",
                re.IGNORECASE,
            ),
            0.8,
        ),
    )
    _LOCAL_PART = re.compile(r"^[^@\s\[(]+")

    def score_match(self, match, rule, text, start, end):
        local = self._LOCAL_PART.match(match.group())
        if local and fold(local.group()) in ROLE_MAILBOXES:
            return 0.3
        return rule.score


# --------------------------------------------------------------------------- IBAN / RIB
class IbanRecognizer(FrenchPatternRecognizer):
    """IBAN of any country (mod 97), compact or by groups of 4, and French RIB (clé RIB)."""

    ENTITY = IBAN
    RULES = (
        Rule(
            re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \-\u00a0]?[A-Za-z0-9]){11,32}"), 1.0
        ),
        Rule(
            re.compile(r"(?<![\w])\d{5}[ \-]?\d{5}[ \-]?[0-9A-Za-z]{11}[ \-]?\d{2}(?!\w)"),
            0.95,
            name="rib",
        ),
    )
    CONTEXT = _context("IBAN", "RIB", "BIC", r"relev[ée]\s+d['’]identit[ée]\s+bancaire", "compte")

    def find(self, text: str) -> Iterator[Span]:
        for match in self.RULES[0].regex.finditer(text):
            found = self._longest_valid_prefix(text, match.start(), match.end())
            if found:
                yield found
        for match in self.RULES[1].regex.finditer(text):
            if self._rib_valid(match.group()):
                yield match.start(), match.end(), 0.95

    def _longest_valid_prefix(self, text: str, start: int, end: int) -> Span | None:
        """The candidate may run into the next words: keep the longest valid IBAN prefix."""
        ends = [i + 1 for i in range(start, end) if text[i].isalnum()]
        country = text[start : start + 2].upper()
        expected = checksums.iban_length(country)
        lengths = [expected] if expected else range(min(34, len(ends)), 14, -1)
        for length in lengths:
            if length is None or length > len(ends):
                continue
            stop = ends[length - 1]
            if checksums.iban_valid(text[start:stop]):
                # refuse a prefix glued to a following alphanumeric (e.g. inside a word)
                if stop < len(text) and text[stop].isalnum():
                    continue
                return start, stop, 1.0
        if expected and len(ends) >= expected:
            stop = ends[expected - 1]
            if self.has_context(text, start, stop) and not (
                stop < len(text) and text[stop].isalnum()
            ):
                return start, stop, 0.6  # checksum typo, but announced as an IBAN
        return None

    @staticmethod
    def _rib_valid(value: str) -> bool:
        # Hand-written: python-stdnum has no module for the French RIB key.
        chars = checksums.compact(value)
        if len(chars) != 23:
            return False
        letters = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
        account = chars[10:21].translate(letters)
        if not (chars[:10].isdigit() and account.isdigit() and chars[21:].isdigit()):
            return False
        bank, branch, key = int(chars[:5]), int(chars[5:10]), int(chars[21:])
        return 97 - (89 * bank + 15 * branch + 3 * int(account)) % 97 == key


# --------------------------------------------------------------------------- SIREN / SIRET
_AMOUNT_AFTER = re.compile(
    r"\s*(?:€|euros?\b|eur\b|k€|m€|habitants?\b|hab\.|m²|m2\b|m3\b|km\b|ha\b|%|"
    r"personnes\b|agents\b|ans\b|exemplaires\b)",
    re.IGNORECASE,
)
_COMPANY_CONTEXT = _context(
    "SIRET", "SIREN", "RCS", "TVA", "entreprise", "soci[ée]t[ée]", "[ée]tablissement",
    "auto-?entrepreneur", "micro-?entreprise", "fournisseur", "prestataire", "immatricul[ée]e?",
    "KBIS", "INSEE",
)  # fmt: skip


class SiretRecognizer(FrenchPatternRecognizer):
    """SIRET: 14 digits (any grouping) passing the Luhn check."""

    ENTITY = SIRET
    RULES = (Rule(re.compile(r"(?<![\w.,])(?<!\d )\d(?:[ .\u00a0]?\d){13}(?!\w|[.,]\d)"), 0.8),)
    CONTEXT = _COMPANY_CONTEXT

    def score_match(self, match, rule, text, start, end):
        if not checksums.siret_valid(match.group()):
            return None
        if _AMOUNT_AFTER.match(text, end):
            return None
        return 0.95 if self.has_context(text, start, end) else rule.score


class SirenRecognizer(FrenchPatternRecognizer):
    """SIREN: 9 digits (3-3-3 or compact) passing the Luhn check, amounts excluded."""

    ENTITY = SIREN
    RULES = (
        Rule(
            re.compile(
                r"(?<![\w.,])(?<!\d[ .\u00a0])\d{3}([ .\u00a0]?)\d{3}\1\d{3}(?!\w|[ .,\u00a0]?\d)"
            ),
            0.6,
        ),
    )
    CONTEXT = _COMPANY_CONTEXT

    def score_match(self, match, rule, text, start, end):
        if not checksums.siren_valid(match.group()):
            return None
        if _AMOUNT_AFTER.match(text, end):
            return None
        return 0.95 if self.has_context(text, start, end) else rule.score


# --------------------------------------------------------------------------- passport / CNI
class PassportRecognizer(FrenchPatternRecognizer):
    """French passport number (2 digits, 2 letters, 5 digits); other 9-character numbers only
    after the word "passeport"."""

    ENTITY = PASSEPORT
    RULES = (
        Rule(re.compile(r"(?<![\w])\d{2}[A-Z]{2}\d{5}(?!\w)"), 0.55, name="fr"),
        Rule(
            re.compile(r"(?<![\w])(?=[A-Z0-9]*\d)[A-Z0-9]{8,9}(?!\w)"),
            0.0,
            name="generic",
        ),
    )
    CONTEXT = _context("passeports?", "passport")
    CONTEXT_BEFORE = 60
    CONTEXT_AFTER = 30

    def score_match(self, match, rule, text, start, end):
        context = self.has_context(text, start, end)
        if rule.name == "fr":
            return 0.95 if context else rule.score
        return 0.85 if context else None


class IdCardRecognizer(FrenchPatternRecognizer):
    """French identity card: old 12-character number or new 9-character one, only near
    "carte d'identité", "CNI", "carte nationale"..."""

    ENTITY = CNI
    RULES = (
        Rule(re.compile(r"(?<![\w])\d{4}[0-9A-Z]{3}\d{5}(?!\w)"), 0.9, name="old"),
        Rule(re.compile(r"(?<![\w])(?=[A-Z0-9]*\d)[A-Z0-9]{9}(?!\w)"), 0.9, name="new"),
    )
    CONTEXT = _context(
        r"carte\s+(?:nationale\s+)?d['’]\s?identit[ée]",
        r"carte\s+nationale",
        "CNI",
        "CNIe",
        r"pi[èe]ce\s+d['’]\s?identit[ée]",
        r"titre\s+d['’]\s?identit[ée]",
    )
    CONTEXT_BEFORE = 60
    CONTEXT_AFTER = 30

    def score_match(self, match, rule, text, start, end):
        return rule.score if self.has_context(text, start, end) else None


# --------------------------------------------------------------------------- plates
_SIV_LETTER = "A-HJ-NP-TV-Z"


class PlateRecognizer(FrenchPatternRecognizer):
    """Licence plates: SIV "AB-123-CD" (dashes, spaces or none) and old FNI "1234 AB 56"."""

    ENTITY = PLAQUE
    RULES = (
        Rule(re.compile(r"(?<![\w\-])[A-Z]{2}([\- ]?)\d{3}\1[A-Z]{2}(?![\w\-])"), 0.85, name="siv"),
        Rule(
            re.compile(
                r"(?<![\w\-])(\d{1,4})([\- ]?)[A-Z]{1,3}\2(?:\d{2}|2[AB]|97[1-6])(?![\w\-])"
            ),
            0.85,
            name="fni",
        ),
    )
    CONTEXT = _context(
        r"immatricul\w*",
        "plaques?",
        r"v[ée]hicules?",
        "voitures?",
        r"carte\s+grise",
        "stationn\\w*",
        r"fourri[èe]re",
        "PV",
        r"proc[èe]s-verbal",
        "radar",
        "auto",
        "moto",
        "camion",
        "utilitaire",
    )

    _SIV_STRICT = re.compile(rf"[{_SIV_LETTER}]{{2}}\d{{3}}[{_SIV_LETTER}]{{2}}")

    def score_match(self, match, rule, text, start, end):
        context = self.has_context(text, start, end)
        value = match.group()
        if rule.name == "siv":
            sep = match.group(1)
            if sep == "-":
                score = 0.85
            elif self._SIV_STRICT.fullmatch(checksums.compact(value)):
                score = 0.75 if sep else 0.6
            else:
                score = 0.3
        else:
            digits, sep = match.group(1), match.group(2)
            if sep == "-" and len(digits) >= 2:
                score = 0.85
            elif sep == " " and len(digits) >= 3:
                score = 0.6
            else:
                score = 0.3
        return max(score, 0.95) if context else (score if score >= 0.5 else None)


# --------------------------------------------------------------------------- addresses
def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_STREET_PLAIN = _alternation(t for t in STREET_TYPES if t not in AMBIGUOUS_STREET_TYPES)
_STREET_AMBIGUOUS = _alternation(AMBIGUOUS_STREET_TYPES)
_CAPWORD = rf"(?:[{UPPER}][\w'’\-]*|\d{{1,4}}(?![\d\w]))"
_ANYWORD = r"[^\W_][\w'’\-]*"
_PART = (
    r"(?:(?i:(?:de\s+la|des|de|du|la|le|les|aux|au|à\s+la|à|en|sur|sous|lès|et)\s+"
    r"|(?:de\s+|à\s+)?[ld]['’]\s*))"
)
_STREET_NAME_REST = rf"(?:(?:\s+|-){_PART}*{_CAPWORD}){{0,5}}"
_TOWN = (
    rf"{_CAPWORD}(?:(?:\s+|-)(?:(?i:sur|sous|lès|les|le|la|en|de|du|des|aux)(?:\s+|-))?"
    rf"{_CAPWORD}){{0,3}}(?:\s+(?i:cedex)(?:\s*\d{{1,2}})?)?"
)
_POSTCODE = (
    rf"(?:\s*,?\s*(?:(?i:BP|CS|TSA)\s*\d+\s*,?\s*)?(?P<cp>\d{{5}}|\d{{2}}\s\d{{3}})\s+{_TOWN})"
)
_NUMBER = r"(?<![\w,.])(?:(?i:n°|no\.?)\s*)?\d{1,4}(?:\s?(?i:bis|ter|quater|[a-d])(?!\w))?"
_STREET = (
    rf"(?:(?i:{_STREET_PLAIN})(?!\w)\.?\s+{_PART}*{_ANYWORD}"
    rf"|(?i:{_STREET_AMBIGUOUS})(?!\w)\.?\s+{_PART}*{_CAPWORD}){_STREET_NAME_REST}"
)


class AddressRecognizer(FrenchPatternRecognizer):
    """Street addresses: number (+ bis/ter), street type and name, then optional postcode and
    town (masked as one span). Without a number, only with a postcode and town."""

    ENTITY = ADRESSE
    RULES = (
        Rule(re.compile(rf"{_NUMBER}\s*,?\s+{_STREET}{_POSTCODE}?"), 0.85, name="numbered"),
        Rule(re.compile(rf"(?<!\w){_STREET}{_POSTCODE}"), 0.85, name="postcode"),
    )
    _TRAILING_NOISE = re.compile(r"[\s,\-]+$")

    def score_match(self, match, rule, text, start, end):
        return 0.95 if match.group("cp") else rule.score

    def find(self, text: str) -> Iterator[Span]:
        for start, end, score in super().find(text):
            trimmed = self._TRAILING_NOISE.search(text, start, end)
            yield start, (trimmed.start() if trimmed else end), score


# --------------------------------------------------------------------------- dates of birth
_MONTHS = (
    r"janvier|janv\.?|f[ée]vrier|f[ée]vr?\.?|mars|avril|avr\.?|mai|juin|juillet|juil\.?|"
    r"ao[uû]t|septembre|sept\.?|octobre|oct\.?|novembre|nov\.?|d[ée]cembre|d[ée]c\.?"
)
_DATE = (
    rf"(?:\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\s+\d{{2,4}}"
    r"|\d{1,2}\s?[/.\-]\s?\d{1,2}\s?[/.\-]\s?\d{2,4}"
    r"|\d{4}-\d{2}-\d{2})"
)
_BIRTH_CONTEXT = (
    r"(?:\bn(?:é|ée|ee|és|ées)(?:\s?\(e\))?(?!\w)"
    r"|\bDDN\b|\bdate\s+de\s+naissance\b|\bn[ée]\s?\(e\)|\bnaissance\b|\bn[ée]e?\s+le\b)"
)


class BirthDateRecognizer(FrenchPatternRecognizer):
    """Dates of birth ("né le 3 janvier 1990", "DDN 3/1/90"...), only after a birth word, so
    that ordinary dates stay."""

    ENTITY = DATE_NAISSANCE
    RULES = (
        Rule(
            re.compile(
                rf"(?i:{_BIRTH_CONTEXT})[^\d\n!?;]{{0,40}}?(?<![\d/])(?P<date>(?i:{_DATE}))(?![\d/])"
            ),
            0.95,
            group="date",
        ),
    )


def structured_recognizers() -> list[FrenchPatternRecognizer]:
    """One instance of every pattern recognizer (everything but person names), those of a
    town hall's daily identifiers (``municipal.py``) included."""
    from .municipal import municipal_recognizers  # it builds on this module's base class

    return [
        NirRecognizer(),
        PhoneRecognizer(),
        EmailRecognizer(),
        IbanRecognizer(),
        SiretRecognizer(),
        SirenRecognizer(),
        PassportRecognizer(),
        IdCardRecognizer(),
        PlateRecognizer(),
        AddressRecognizer(),
        BirthDateRecognizer(),
        *municipal_recognizers(),
    ]


__all__ = [
    "AddressRecognizer",
    "BirthDateRecognizer",
    "EmailRecognizer",
    "FrenchPatternRecognizer",
    "IbanRecognizer",
    "IdCardRecognizer",
    "NirRecognizer",
    "PassportRecognizer",
    "PhoneRecognizer",
    "PlateRecognizer",
    "Rule",
    "SirenRecognizer",
    "SiretRecognizer",
    "structured_recognizers",
]
