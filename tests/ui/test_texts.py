"""The French labels the UI shows for codes."""

from __future__ import annotations

from guardrails.pii import ENTITY_TYPES
from ui import texts


def test_every_kind_of_personal_data_has_a_french_label():
    missing = [kind for kind in ENTITY_TYPES if kind not in texts.PII_LABELS]
    assert not missing, missing
    assert texts.pii_label("ALLOCATAIRE") == "numéro d'allocataire (CAF, MSA)"
    assert texts.pii_label("PARCELLE") == "référence cadastrale"
