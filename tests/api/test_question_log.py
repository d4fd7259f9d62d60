"""The question and feedback logs: append-only JSON lines, retention purge, `assistant purge`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from assistant.api.logs import JsonFormatter
from assistant.api.question_log import JsonLinesLog, QuestionLog


def test_append_and_read_skip_a_torn_line(tmp_path):
    log = JsonLinesLog(tmp_path / "q.jsonl")
    log.append({"n": 1})
    with open(log.path, "a", encoding="utf-8") as handle:
        handle.write('{"n": 2, "ts": "2025-')  # a writer killed mid-line
    assert [e["n"] for e in log.read()] == [1]


def test_purge_removes_only_entries_older_than_the_retention(tmp_path):
    log = QuestionLog(tmp_path)
    now = datetime(2025, 6, 1, tzinfo=UTC)
    for days in (200, 181, 179, 1):
        ts = (now - timedelta(days=days)).isoformat()
        log.questions.append({"ts": ts, "question_id": f"q{days}"})
        log.feedback.append({"ts": ts, "question_id": f"q{days}", "vote": "up"})
    removed = log.purge(180, now=now)
    assert removed == {"questions": 2, "feedback": 2}
    assert [e["question_id"] for e in log.questions.read()] == ["q179", "q1"]
    assert [e["question_id"] for e in log.feedback.read()] == ["q179", "q1"]
    assert log.purge(180, now=now) == {"questions": 0, "feedback": 0}


def test_purge_command(data_dir, monkeypatch):
    from assistant.cli import app
    from assistant.settings import get_settings

    log = QuestionLog(data_dir)
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    log.questions.append({"ts": old, "question_id": "ancienne"})
    log.questions.append({"question_id": "recente"})
    log.feedback.append({"ts": old, "question_id": "ancienne", "vote": "down"})
    runner = CliRunner()

    kept = runner.invoke(app, ["purge", "--json"])  # default retention: 180 days
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.stdout) == {
        "older_than_days": 180,
        "removed": {"questions": 0, "feedback": 0},
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
