import io
import logging

from guardrails.safe_logging import install


def test_identifiers_are_masked_in_messages_and_extras():
    stream = io.StringIO()
    logger = logging.getLogger("test-safe-logging")
    logger.handlers[:] = [logging.StreamHandler(stream)]
    logger.handlers[0].setFormatter(logging.Formatter("%(message)s %(detail)s"))
    logger.propagate = False
    install(logger)
    logger.warning("appel du %s", "06 12 34 56 78",
                   extra={"detail": "écrire à jean.dupont@example.org, NIR 1 84 12 76 451 089 46"})
    output = stream.getvalue()
    assert "06 12 34 56 78" not in output
    assert "jean.dupont@example.org" not in output
    assert "451 089" not in output
    assert "appel du" in output
