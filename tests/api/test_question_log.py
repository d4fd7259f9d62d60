"""`assistant purge` on the records' database, and the server's JSON log lines.

The records themselves (append, read, purge, import) are tested in ``tests/storage``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from assistant.api.logs import JsonFormatter


def test_purge_command(database_url, data_dir, monkeypatch):
    from assistant.cli import app
    from assistant.settings import get_settings
    from assistant.storage import QuestionLog, open_database

    if database_url:
        monkeypatch.setenv("ASSISTANT_DATABASE__URL", database_url)
        get_settings.cache_clear()
    database = open_database(database_url, data_dir)
    log = QuestionLog(database)
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    log.questions.append({"ts": old, "question_id": "ancienne"})
    log.questions.append({"question_id": "recente"})
    log.feedback.append({"ts": old, "question_id": "ancienne", "vote": "down"})
    runner = CliRunner()

    kept = runner.invoke(app, ["purge", "--json"])  # default retention: 180 days
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.stdout) == {
        "older_than_days": 180,
        "removed": {"questions": 0, "feedback": 0, "retours": 0},
    }
    result = runner.invoke(app, ["purge", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert "1 question(s) et 1 avis supprimé(s) (plus anciens que 30 jours)." in result.stdout
    assert [e["question_id"] for e in log.questions.read()] == ["recente"]
    monkeypatch.setenv("ASSISTANT_PRIVACY__QUESTION_LOG_RETENTION_DAYS", "0")
    get_settings.cache_clear()
    invalid = runner.invoke(app, ["purge"])
    assert invalid.exit_code == 2
    assert "ASSISTANT_PRIVACY__QUESTION_LOG_RETENTION_DAYS" in invalid.stderr
    database.dispose()


def test_purge_says_in_french_when_the_database_cannot_be_reached(monkeypatch):
    from assistant.cli import app

    monkeypatch.setenv(
        "ASSISTANT_DATABASE__URL", "postgresql://assistant:secret-db@127.0.0.1:9/assistant"
    )
    result = CliRunner().invoke(app, ["purge"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Base des enregistrements inaccessible (")
    assert "ASSISTANT_DATABASE__URL" in result.stderr and "secret-db" not in result.output
    assert "Traceback" not in result.output


def test_json_log_lines_never_carry_exception_messages():
    try:
        raise ValueError("Question de Marie Dupont au 06 12 34 56 78")
    except ValueError as error:
        record = logging.LogRecord(
            "assistant.api",
            logging.ERROR,
            __file__,
            1,
            "unhandled error",
            (),
            (type(error), error, error.__traceback__),
        )
    record.question_id = "abc"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["msg"] == "unhandled error"
    assert entry["error"] == "ValueError"
    assert entry["question_id"] == "abc"
    assert entry["where"] and "test_question_log.py" in entry["where"][-1]
    assert "Dupont" not in line and "06 12" not in line
