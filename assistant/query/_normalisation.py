"""Normalisation tables: SMS spellings, spoken fillers, glued elisions and the word patterns."""

from __future__ import annotations

import re

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
