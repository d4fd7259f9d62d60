"""Personal data in French text: detection (Presidio + spaCy ``fr_core_news_md`` + French
recognizers) and per-conversation pseudonymisation.

    scrubber = PiiScrubber()
    vault = store.get(conversation_id)
    result = scrubber.scrub("Je suis Marie DURAND, tél. 06 12 34 56 78", vault)
    result.text  # "Je suis [PERSONNE_1], tél. [TÉLÉPHONE_1]"
    vault.restore(answer)  # placeholders back to values, for the same agent only

Nothing heavy happens at import: spaCy loads on first use or on ``warm_up()``.
"""

from .findings import ENTITY_TYPES, Finding, PiiInputError, ScrubResult
from .scrubber import MAX_TEXT_CHARS, PiiScrubber, redact_structured
from .vault import ConversationVaults, PseudonymVault, VaultStore

__all__ = [
    "ConversationVaults",
    "ENTITY_TYPES",
    "MAX_TEXT_CHARS",
    "Finding",
    "PiiInputError",
    "PiiScrubber",
    "PseudonymVault",
    "ScrubResult",
    "VaultStore",
    "redact_structured",
]
