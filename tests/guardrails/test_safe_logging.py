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


def test_the_server_logging_configuration_masks_identifiers(capsys):
    from assistant.api.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging()
        logging.getLogger("assistant.test").warning("rappeler le 06 12 34 56 78")
        err = capsys.readouterr().err
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    assert "06 12 34 56 78" not in err
    assert '"level": "warning"' in err
