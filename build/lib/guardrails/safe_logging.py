"""Safe logging: the last line of defence so that no personal identifier reaches a log.

The app logs scrubbed text only; this filter additionally masks, with the regex-only
``redact_structured`` (no spaCy), any structured identifier (NIR, IBAN, SIRET, phone, e-mail,
plate, passport, address, date of birth) that would still appear in a log record's message or
its extra fields.
"""

from __future__ import annotations

import logging

from guardrails.pii import redact_structured

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and string extras with ``redact_structured``."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact_structured(message)
        record.args = ()
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact_structured(value))
        return True


def install(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach the filter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    redacting = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
