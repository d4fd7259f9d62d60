from guardrails.html_visibility._stylesheet import (
    CAMOUFLAGE_REASONS,
    HIDDEN_REASON_LABELS,
    HiddenReason,
    HiddenText,
    PageVisibility,
    visible_text_of,
)
