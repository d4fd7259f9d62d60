"""French text analysis shared by the lexical index, the extractive answerer and the metrics."""

from __future__ import annotations

import functools
import re
import unicodedata

FRENCH_STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "elles",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "m",
        "n",
        "s",
        "t",
        "y",
        "ete",
        "etre",
        "avoir",
        "ai",
        "as",
        "avons",
        "avez",
        "ont",
        "est",
        "sont",
        "suis",
        "es",
        "sommes",
        "etes",
        "fut",
        "etait",
        "sera",
        "seront",
        "serait",
        "cela",
        "ceci",
        "ca",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "dont",
        "lorsque",
        "quand",
        "comme",
        "si",
        "plus",
        "moins",
        "tres",
        "tout",
        "tous",
        "toute",
        "toutes",
        "aussi",
        "ainsi",
        "alors",
        "donc",
        "car",
        "puis",
        "bien",
        "peut",
        "peuvent",
        "doit",
        "doivent",
        "faut",
        "faire",
        "fait",
        "fais",
        "puis-je",
        "est-ce",
        "ce",
        "qu",
        "quoi",
        "comment",
        "pourquoi",
    ]
)

_TOKEN = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase and strip accents (NFKD), so that 'Données' and 'donnees' match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("french")


def analyse(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Fold, tokenise, drop French stopwords and stem with Snowball's French stemmer."""
    tokens = _TOKEN.findall(fold(text))
    if not keep_stopwords:
        tokens = [t for t in tokens if t not in FRENCH_STOPWORDS and (len(t) > 1 or t.isdigit())]
    return _stemmer().stemWords(tokens)
