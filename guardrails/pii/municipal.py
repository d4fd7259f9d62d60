"""Identifiers of a town hall's daily work: CAF/MSA allocataire numbers, cadastral parcels,
urbanism file numbers, tax numbers, France Travail identifiers, driving licences, civil-status
record numbers, pupils' and voters' national numbers, client numbers of water or canteen bills.

Most of these formats are too common to mask on their own (seven digits, "AB 123", "n° 45"):
they are masked only where the words that announce them precede them ("allocataire CAF n°",
"parcelle", "acte de naissance n°"...), the way agents write them. Formats specific enough to
stand alone (an urbanism file number "PC 033 063 24 A0012", a national cadastral reference,
a tax number passing its mod-511 check) score above the threshold without context.

Deliberately not masked here: numbers of legal persons (an association's RNA "W443001234";
SIREN and SIRET stay the business of their own recognizers, a sole trader's being personal),
public acts (deliberations, by-laws, decrees, articles of a code), suppliers' invoice numbers,
quantities (years, amounts, areas), roads ("RD 937") and articles of the local plan
("article UB 7").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import checksums
from .findings import (
    ACTE_ETAT_CIVIL,
    ALLOCATAIRE,
    DOSSIER_URBANISME,
    FRANCE_TRAVAIL,
    INE,
    NUMERO_CLIENT,
    NUMERO_ELECTEUR,
    NUMERO_FISCAL,
    PARCELLE,
    PERMIS_CONDUIRE,
)
from .recognizers import FrenchPatternRecognizer, Rule, Span, _context

_GAP_STOP = r"\d\n!?;"  # what may not sit between the announcing words and the value
_AFTER_VALUE = r"(?![\w\-/]|[.,]\d)"
#: What follows a quantity rather than an identifier ("1250000 euros", "1500 m²").
_QUANTITY_AFTER = re.compile(
    r"\s*(?:€|euros?\b|eur\b|k€|m€|%|m²|m2\b|m3\b|ha\b|hectares?\b|ares?\b|km\b|m\b|"
    r"habitants?\b|hab\.|personnes\b|agents\b|ans\b|allocataires\b|familles\b|foyers\b|"
    r"bénéficiaires\b|dossiers\b|exemplaires\b)",
    re.IGNORECASE,
)


def _announced(anchor: str, value: str, *, gap: int = 30, marker: str = "") -> re.Pattern[str]:
    """``anchor`` (case-insensitive words), then at most ``gap`` characters without a digit,
    a line break or the end of a sentence (ending with ``marker`` when given), then the
    ``value`` group (case-sensitive)."""
    return re.compile(
        rf"(?<!\w)(?P<anchor>(?i:{anchor}))(?!\w)[^{_GAP_STOP}]{{0,{gap}}}?{marker}"
        rf"(?<![\w\-/.,])(?P<value>{value}){_AFTER_VALUE}"
    )


_PHONE_LIKE = re.compile(r"0[1-9]\d{8}")


class AnnouncedNumberRecognizer(FrenchPatternRecognizer):
    """Base class: a value masked only after the words that announce it (group ``anchor``),
    quantities and phone-shaped values (the phone recognizer's) excluded.

    Subclasses set ``ENTITY`` and ``RULES`` built with ``_announced`` (group ``value``). The
    closer the words, the higher the score (up to +0.04), so that when two announcements
    reach one value ("allocataire RSA, identifiant France Travail 1234567A"), the nearest
    names it.
    """

    def score_match(self, match, rule, text, start, end):
        if _QUANTITY_AFTER.match(text, end) or _PHONE_LIKE.fullmatch(match.group("value")):
            return None
        gap = start - match.end("anchor")
        return rule.score + 0.04 * max(0.0, 1 - gap / 40)


# --------------------------------------------------------------------------- CAF / MSA
class AllocataireRecognizer(AnnouncedNumberRecognizer):
    """CAF allocataire number (7 digits, sometimes 8, a leading zero or a letter) and MSA
    internal number, after "allocataire", "CAF", "MSA"... An MSA number that is a NIR is the
    NIR recognizer's (its context words include "MSA")."""

    ENTITY = ALLOCATAIRE
    RULES = (
        Rule(
            _announced(
                r"allocataires?|CAF|MSA|caisse\s+d['’]allocations?\s+familiales"
                r"|mutualit[ée]\s+sociale\s+agricole",
                r"\d{7,8}|[A-Z]\d{6,7}|\d{7}[A-Z]",
                gap=40,
            ),
            0.95,
            group="value",
        ),
    )


# --------------------------------------------------------------------------- cadastre
_SECTION = r"(?:0[A-Z]|[A-Z]{1,2})"
_SP = r"[ \u00a0]"
_PARCEL_NO = rf"(?:(?i:n°|no\.?|num[ée]ro){_SP}?)?\d{{1,4}}"
_PARCEL_REF = rf"(?:\d{{3}}{_SP})?{_SECTION}{_SP}?{_PARCEL_NO}"
_PARCEL_ITEM = re.compile(rf"(?<![\w°])(?:{_PARCEL_REF}|\d{{1,4}})(?!\w)")
_LIST_JOIN = r"\s*(?:,|/|&|\bet\b|\bou\b|\bà\b)\s*"
#: A bare number continuing a list, unless a unit or a plural noun follows ("et 2 maisons").
_BARE_NUMBER = r"\d{1,4}(?!\w|\s*(?:%|€|m²|m2\b|m\b|ha\b|ares?\b|[a-zà-ÿ]+s\b))"
_PARCEL_WORDS = (
    r"parcelles?|cadastr[ée]e?s?|r[ée]f(?:[ée]rences?|\.)?\s+cadastrales?|cadastre|section"
)
_PARCEL_CONNECTORS = (
    r"(?:[\s:]*(?i:cadastr[ée]e?s?|section|n°|no\.?|num[ée]ros?|sous\s+(?:le\s+)?n°|"
    r"r[ée]f(?:[ée]rence)?s?\.?)(?!\w))*"
)
#: Words before "XX 123" that make it a road, a zone of the local plan, a norm...
_NOT_A_PARCEL_BEFORE = re.compile(
    r"(?:\b(?:articles?|art\.|zones?|secteurs?|routes?|autoroutes?|lignes?|bus|tram|pages?|p\.|"
    r"annexes?|cerfa|formulaires?|salles?|b[âa]t(?:iment)?\.?|types?|mod[èe]les?|versions?|"
    r"normes?|NF|EN|ISO|DTU)\s*)$",
    re.IGNORECASE,
)
#: Two letters that, away from a parcel word, are a road or a school level ("CM 2").
_NOT_SECTIONS = frozenset({"RD", "RN", "CD", "VC", "CR", "RP", "RM", "GR", "EV", "CP", "CE", "CM"})


class ParcelRecognizer(FrenchPatternRecognizer):
    """Cadastral parcel references: section (1-2 letters) and number, with an optional
    3-digit prefix ("000 AB 123"), and the 14-character national reference
    ("33063000AB0123").

    Right after "parcelle", "cadastrée", "section", "référence cadastrale" (lists included:
    "parcelles AB 12, AB 13 et 15"), or, for a two-letter section, with such a word in the
    window around it. Roads ("RD 937"), zones and articles of the local plan ("article UB 7")
    and norms stay visible.
    """

    ENTITY = PARCELLE
    RULES = (
        Rule(
            re.compile(
                rf"(?<!\w)(?i:{_PARCEL_WORDS})(?!\w){_PARCEL_CONNECTORS}[\s:]*"
                rf"(?P<list>(?<![\w°]){_PARCEL_REF}(?:{_LIST_JOIN}(?:{_PARCEL_REF}|{_BARE_NUMBER}))*)"
                rf"(?!\w)"
            ),
            0.95,
            group="list",
            name="anchored",
        ),
        Rule(
            re.compile(
                rf"(?<![\w\-])(?:\d{{3}}{_SP})?[A-Z]{{2}}(?:{_SP}|{_SP}?(?i:n°))"
                rf"{_SP}?\d{{1,4}}(?![\w\-]|[.,]\d)"
            ),
            0.85,
            name="window",
        ),
        Rule(
            re.compile(
                rf"(?<![\w\-])(?:\d{{5}}|2[AB]\d{{3}}){_SP}?\d{{3}}{_SP}?{_SECTION}{_SP}?\d{{4}}"
                rf"(?![\w\-])"
            ),
            0.85,
            name="national",
        ),
    )
    CONTEXT = _context(
        "parcelles?",
        r"cadastr\w*",
        "section",
        r"fonci(?:er|[èe]re)s?",
        "bornage",
        r"g[ée]om[èe]tre",
        "DIA",
        r"d[ée]claration\s+d['’]intention\s+d['’]ali[ée]ner",
        r"relev[ée]\s+de\s+propri[ée]t[ée]",
    )

    def find(self, text: str) -> Iterator[Span]:
        anchored, window, national = self.RULES
        for match in anchored.regex.finditer(text):
            start, end = match.span("list")
            for item in _PARCEL_ITEM.finditer(text, start, end):
                yield item.start(), item.end(), anchored.score
        for match in window.regex.finditer(text):
            start, end = match.span()
            if (
                not self._is_not_a_section(match.group())
                and not _NOT_A_PARCEL_BEFORE.search(text, max(0, start - 20), start)
                and not _QUANTITY_AFTER.match(text, end)
                and self.has_context(text, start, end)
            ):
                yield start, end, window.score
        for match in national.regex.finditer(text):
            score = 0.95 if self.has_context(text, *match.span()) else national.score
            yield match.start(), match.end(), score

    @staticmethod
    def _is_not_a_section(reference: str) -> bool:
        letters = re.search(r"[A-Z]+", reference)
        return bool(letters) and letters.group() in _NOT_SECTIONS


# --------------------------------------------------------------------------- urbanism
_USEP = r"[ .\u00a0\-]?"
_URBANISM_NUMBER = (
    rf"(?:(?:\d{{3}}|0?2[AB]){_USEP}\d{{3}}|\d{{5}}|2[AB]\d{{3}}){_USEP}\d{{2}}{_USEP}"
    rf"(?:[A-Z]{_USEP})?\d{{4,5}}(?:{_USEP}[MT]\d{{1,2}})?"
)


class UrbanismFileRecognizer(FrenchPatternRecognizer):
    """Urbanism file numbers (permits, prior declarations, certificates): type, INSEE code of
    the commune, year, service letter and number, "PC 033 063 24 A0012" (a modification or
    transfer suffix "M01"/"T01" included); without the type, after "permis de construire n°"...

    The number names the petitioner in the commune's register: masked even on its own.
    """

    ENTITY = DOSSIER_URBANISME
    RULES = (
        Rule(
            re.compile(
                rf"(?<![\w\-])(?:PCMI|DPMI|DPLT|PC|PA|PD|DP|CU[ab]?|AT){_USEP}{_URBANISM_NUMBER}"
                rf"(?![\w\-])"
            ),
            0.9,
        ),
        Rule(
            _announced(
                r"permis\s+(?:de\s+construire|d['’]am[ée]nager|de\s+d[ée]molir)"
                r"|d[ée]claration\s+pr[ée]alable|certificat\s+d['’]urbanisme"
                r"|(?:dossier|autorisation|demande)\s+d['’]urbanisme",
                _URBANISM_NUMBER,
            ),
            0.95,
            group="value",
        ),
    )


# --------------------------------------------------------------------------- tax
class TaxNumberRecognizer(FrenchPatternRecognizer):
    """Personal tax number (numéro fiscal, SPI): 13 digits, the first 0-3, the last three the
    first ten mod 511 (python-stdnum ``fr.nif``); and the 13-character reference of a tax
    notice after "référence de l'avis", which opens the person's tax account with it."""

    ENTITY = NUMERO_FISCAL
    RULES = (
        Rule(
            re.compile(
                r"(?<![\w.,])(?<!\d[ .\u00a0])[0-3]\d(?:[ .\u00a0]?\d){11}(?![\w]|[ .,\u00a0]?\d)"
            ),
            0.85,
            name="spi",
        ),
        Rule(
            _announced(
                r"r[ée]f[ée]rence\s+(?:de\s+l['’]\s?)?avis(?:\s+d['’]imp[ôo]ts?|"
                r"\s+d['’]imposition)?|r[ée]f\.\s+(?:de\s+l['’]\s?)?avis",
                r"(?=(?:[A-Z ]*\d){6})[0-9A-Z](?:\u0020?[0-9A-Z]){12}",
                gap=20,
            ),
            0.95,
            group="value",
            name="notice",
        ),
    )
    CONTEXT = _context(
        r"num[ée]ro\s+fiscal",
        r"n°\s+fiscal",
        r"identifiant\s+fiscal",
        "SPI",
        "NIF",
        r"imp[ôo]ts?",
        r"imposition",
        "DGFiP",
        r"taxe\s+(?:d['’]habitation|fonci[èe]re)",
    )

    def score_match(self, match, rule, text, start, end):
        if rule.name == "notice":
            return rule.score
        context = self.has_context(text, start, end)
        if checksums.nif_valid(match.group()):
            return 0.95 if context else rule.score
        return 0.6 if context else None  # a typo in a number announced as a tax number


# --------------------------------------------------------------------------- others
class FranceTravailRecognizer(AnnouncedNumberRecognizer):
    """France Travail (formerly Pôle emploi) identifier: 7 digits and a letter or digit."""

    ENTITY = FRANCE_TRAVAIL
    RULES = (
        Rule(
            _announced(
                r"France\s+Travail|P[ôo]le[\s\-]+emploi|demandeur\s+d['’]emploi",
                r"\d{7}[0-9A-Z]",
            ),
            0.95,
            group="value",
        ),
    )


class DrivingLicenceRecognizer(AnnouncedNumberRecognizer):
    """Driving licence number (12 digits for the old pink ones, 9 characters "12AB34567"
    since 2013), after "permis de conduire"."""

    ENTITY = PERMIS_CONDUIRE
    RULES = (
        Rule(
            _announced(
                r"permis\s+de\s+conduire",
                r"(?=[A-Z0-9]*\d)[A-Z0-9]{9,12}",
            ),
            0.95,
            group="value",
        ),
    )


class CivilStatusRecordRecognizer(AnnouncedNumberRecognizer):
    """Number of a civil-status record ("acte de naissance n° 45", "acte de décès n° 2024/12"):
    with the commune and the year, it points at one person's birth, marriage or death."""

    ENTITY = ACTE_ETAT_CIVIL
    RULES = (
        Rule(
            _announced(
                r"actes?\s+(?:de\s+naissance|de\s+mariage|de\s+d[ée]c[èe]s|de\s+reconnaissance"
                r"|d['’][ée]tat\s+civil|de\s+l['’][ée]tat\s+civil)",
                r"\d{1,5}(?:\s?[/\-]\s?\d{1,4})?",
                gap=40,
                marker=r"(?i:n°|no\.?|num[ée]ro)\s*",
            ),
            0.95,
            group="value",
        ),
    )


class PupilNumberRecognizer(AnnouncedNumberRecognizer):
    """Pupil's national identifier (INE): 10 digits and a letter, or 9 digits and 2 letters,
    after "INE" or "identifiant national élève"."""

    ENTITY = INE
    RULES = (
        Rule(
            re.compile(
                r"(?<!\w)(?P<anchor>INE|(?i:identifiant\s+national\s+(?:de\s+l['’])?[ée]l[èe]ve))"
                rf"(?!\w)[^{_GAP_STOP}]{{0,20}}?(?<![\w\-/.,])(?P<value>\d{{10}}[A-Z]|\d{{9}}[A-Z]{{2}})"
                rf"{_AFTER_VALUE}"
            ),
            0.95,
            group="value",
        ),
    )


class VoterNumberRecognizer(AnnouncedNumberRecognizer):
    """National voter number of the electoral register (REU), asked for every proxy vote,
    after "numéro (national) d'électeur"."""

    ENTITY = NUMERO_ELECTEUR
    RULES = (
        Rule(
            _announced(
                r"(?:num[ée]ro|n°|identifiant)\s+(?:national\s+)?d['’]\s?[ée]lecteur"
                r"|(?-i:NNE|INE)\s+(?:de\s+l['’]\s?)?[ée]lecteur|(?-i:NNE)",
                r"\d{6,10}",
                gap=30,
            ),
            0.95,
            group="value",
        ),
    )


class ClientNumberRecognizer(AnnouncedNumberRecognizer):
    """A household's client, subscriber or family number (water, canteen, after-school care)
    and the number of a bill of such a service; a supplier's invoice number stays visible."""

    ENTITY = NUMERO_CLIENT
    _VALUE = r"(?=(?:[A-Z\-]*\d){3})[A-Z0-9][A-Z0-9\-]{2,18}[A-Z0-9]"
    RULES = (
        Rule(
            _announced(
                r"(?:n°|num[ée]ro|num\.|r[ée]f[ée]rence|r[ée]f\.|code|identifiant)\s*"
                r"(?:de\s+|d['’]\s?)?(?:compte\s+)?(?:client|abonn[ée]|famille|foyer|usager|payeur)"
                r"|compte\s+(?:client\s+)?(?:famille|usager|abonn[ée])",
                _VALUE,
                gap=30,
            ),
            0.95,
            group="value",
            name="client",
        ),
        Rule(
            _announced(
                r"factures?\s+(?:de\s+|d['’]\s?)?(?:cantine|eau|restauration\s+scolaire|"
                r"p[ée]riscolaire|garderie|cr[èe]che|centre\s+de\s+loisirs|assainissement)",
                _VALUE,
                gap=30,
                marker=r"(?i:n°|no\.?|num[ée]ro|r[ée]f[ée]rence|r[ée]f\.)\s*:?\s*",
            ),
            0.95,
            group="value",
            name="bill",
        ),
    )
    _YEAR = re.compile(r"(?:19|20)\d{2}")

    def score_match(self, match, rule, text, start, end):
        if self._YEAR.fullmatch(match.group("value")):
            return None
        return super().score_match(match, rule, text, start, end)


def municipal_recognizers() -> list[FrenchPatternRecognizer]:
    """One instance of every recognizer of this module."""
    return [
        AllocataireRecognizer(),
        ParcelRecognizer(),
        UrbanismFileRecognizer(),
        TaxNumberRecognizer(),
        FranceTravailRecognizer(),
        DrivingLicenceRecognizer(),
        CivilStatusRecordRecognizer(),
        PupilNumberRecognizer(),
        VoterNumberRecognizer(),
        ClientNumberRecognizer(),
    ]


__all__ = [
    "AllocataireRecognizer",
    "AnnouncedNumberRecognizer",
    "CivilStatusRecordRecognizer",
    "ClientNumberRecognizer",
    "DrivingLicenceRecognizer",
    "FranceTravailRecognizer",
    "ParcelRecognizer",
    "PupilNumberRecognizer",
    "TaxNumberRecognizer",
    "UrbanismFileRecognizer",
    "VoterNumberRecognizer",
    "municipal_recognizers",
]
