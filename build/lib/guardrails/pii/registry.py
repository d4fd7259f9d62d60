"""The French Presidio registry: the pattern and person recognizers as Presidio recognizers.

Imported only when the scrubber builds its ``AnalyzerEngine`` (Presidio is not imported by
``guardrails.pii`` itself, so that ``redact_structured`` stays light).
"""

from __future__ import annotations

from presidio_analyzer import LocalRecognizer, RecognizerRegistry, RecognizerResult

from .names import PersonRecognizer
from .recognizers import FrenchPatternRecognizer, structured_recognizers


class FrenchRecognizer(LocalRecognizer):
    """Presidio ``LocalRecognizer`` (language ``fr``) around one French recognizer."""

    def __init__(self, finder: FrenchPatternRecognizer | PersonRecognizer) -> None:
        self.finder = finder
        super().__init__(
            supported_entities=[finder.ENTITY], supported_language="fr", name=finder.name
        )

    def load(self) -> None:  # regexes are compiled at import, word lists load on first use
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if entities and self.finder.ENTITY not in entities:
            return []
        if isinstance(self.finder, PersonRecognizer):
            spacy_entities = getattr(nlp_artifacts, "entities", None) or ()
            spans = self.finder.find(text, spacy_entities)
        else:
            spans = self.finder.find(text)
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        return [
            RecognizerResult(self.finder.ENTITY, start, end, score, recognition_metadata=metadata)
            for start, end, score in spans
        ]


def french_registry(*, with_person_names: bool = True) -> RecognizerRegistry:
    """A Presidio registry for ``fr`` holding every French recognizer."""
    finders: list = list(structured_recognizers())
    if with_person_names:
        finders.append(PersonRecognizer())
    return RecognizerRegistry(
        recognizers=[FrenchRecognizer(f) for f in finders], supported_languages=["fr"]
    )
