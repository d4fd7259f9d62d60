"""Fixtures of the guardrails tests."""

from __future__ import annotations

import pytest

from guardrails.pii import PiiScrubber


@pytest.fixture(scope="session")
def scrubber(shared_scrubbers) -> PiiScrubber:
    """The session's scrubber (person names masked), warmed up: spaCy loads once."""
    scrubber = shared_scrubbers(True)
    scrubber.warm_up()
    return scrubber
