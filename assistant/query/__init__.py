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

Layout, by job: ``_normalisation`` (SMS spellings, fillers, word patterns), ``_vocabulary``
(accents and typos against the corpus's words), ``_lexicon`` (acronyms and short forms) and
``_understanding`` (the :class:`QueryUnderstanding` facade that retrieval calls).
"""

# Redundant aliases: public before the split though not in __all__, still importable here.
from ._lexicon import (
    Lexicon,
    LexiconEntry,
    LexiconError,
    acronyms_defined_in,
    load_lexicon_file,
)
from ._normalisation import FILLER_PHRASES as FILLER_PHRASES
from ._normalisation import FILLERS as FILLERS
from ._normalisation import SMS_SPELLINGS
from ._understanding import MAX_QUERY_CHARS as MAX_QUERY_CHARS
from ._understanding import MAX_TERM_GROUPS as MAX_TERM_GROUPS
from ._understanding import QueryUnderstanding, UnderstoodQuery
from ._vocabulary import COMMON_SHARE as COMMON_SHARE
from ._vocabulary import Vocabulary
from ._vocabulary import is_french_word as is_french_word

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
