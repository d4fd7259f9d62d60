"""The records' database on both engines: SQLite in the data dir and a real PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from assistant.storage import QuestionLog, database_url, open_database


@pytest.fixture
def records(database_url, data_dir):
    database = open_database(database_url, data_dir)
    yield QuestionLog(database)
    database.dispose()


def test_append_then_read_in_write_order_and_since(records):
    now = datetime.now(UTC)
    old = (now - timedelta(hours=2)).isoformat()
    first = records.questions.append({"question_id": "q1", "scrubbed_question": "Bonjour ?"})
    records.questions.append({"ts": old, "question_id": "q0", "theme": "charte"})
    records.questions.append({"question_id": "q2", "citations": [{"doc_id": "a", "theme": "x"}]})
    assert first["ts"] and datetime.fromisoformat(first["ts"]).tzinfo is not None
    entries = records.questions.read()
    assert [e["question_id"] for e in entries] == ["q1", "q0", "q2"]
    assert entries[0] == first
    assert entries[2]["citations"] == [{"doc_id": "a", "theme": "x"}]
    recent = records.questions.read(since=now - timedelta(minutes=5))
    assert [e["question_id"] for e in recent] == ["q1", "q2"]
    assert records.feedback.read() == []


def test_feedback_keeps_its_fields_and_their_order(records):
    stored = records.record_feedback(
        question_id="a" * 32, vote="down", reason="Appelez [TÉLÉPHONE_1]",
        reason_findings=["TÉLÉPHONE"],
    )
    [entry] = records.feedback.read()
    assert entry == stored
    assert list(entry) == ["ts", "question_id", "vote", "reason", "reason_finding_types"]


def test_purge_removes_only_entries_older_than_the_retention(records):
    now = datetime(2025, 6, 1, tzinfo=UTC)
    for days in (200, 181, 179, 1):
        ts = (now - timedelta(days=days)).isoformat()
        records.questions.append({"ts": ts, "question_id": f"q{days}"})
        records.feedback.append({"ts": ts, "question_id": f"q{days}", "vote": "up"})
    removed = records.purge(180, now=now)
    assert removed == {"questions": 2, "feedback": 2}
    assert [e["question_id"] for e in records.questions.read()] == ["q179", "q1"]
    assert [e["question_id"] for e in records.feedback.read()] == ["q179", "q1"]
    assert records.purge(180, now=now) == {"questions": 0, "feedback": 0}


def test_migrations_reach_head_and_match_the_models(database_url, data_dir):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from assistant.storage.models import Base

    database = open_database(database_url, data_dir)
    try:
        assert database.migrate() == "0003_queue"  # again: a no-op
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            tables = set(
                connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
            assert tables == {"0003_queue"}
    finally:
        database.dispose()


def _write_legacy(data_dir):
    journal = data_dir / "journal"
    journal.mkdir(parents=True)
    lines = [
        {"ts": "2025-03-01T10:00:00+00:00", "question_id": "ancienne", "theme": "charte",
         "scrubbed_question": "Que dit la charte à [PERSONNE_1] ?"},
        {"ts": "2025-03-02T10:00:00+00:00", "question_id": "suivante", "job": "rh"},
    ]
    (journal / "questions.jsonl").write_text(
        "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines)
        + '{"question_id": "coupee", "ts": "2025-',  # a writer killed mid-line
        encoding="utf-8",
    )
    (journal / "questions.jsonl.lock").write_text("")
    (journal / "avis.jsonl").write_text(
        json.dumps({"ts": "2025-03-01T10:05:00+00:00", "question_id": "ancienne",
                    "vote": "down", "reason": "", "reason_finding_types": []}) + "\n",
        encoding="utf-8",
    )
    return journal


def test_json_lines_logs_are_imported_once_then_renamed(database_url, data_dir):
    journal = _write_legacy(data_dir)
    database = open_database(database_url, data_dir)
    records = QuestionLog(database)
    questions = records.questions.read()
    assert [e["question_id"] for e in questions] == ["ancienne", "suivante"]
    assert questions[0] == {
        "ts": "2025-03-01T10:00:00+00:00", "question_id": "ancienne", "theme": "charte",
        "scrubbed_question": "Que dit la charte à [PERSONNE_1] ?",
    }
    assert [e["vote"] for e in records.feedback.read()] == ["down"]
    assert sorted(p.name for p in journal.iterdir()) == [
        "avis.jsonl.imported", "questions.jsonl.imported",
    ]
    database.dispose()
    # Started again: nothing new. A copy put back (a crash before the rename): not again.
    (journal / "questions.jsonl").write_bytes((journal / "questions.jsonl.imported").read_bytes())
    again = open_database(database_url, data_dir)
    try:
        assert len(QuestionLog(again).questions.read()) == 2
        assert not (journal / "questions.jsonl").exists()
    finally:
        again.dispose()


def test_the_purge_deletes_imported_logs_once_all_they_hold_is_past_retention(
    database_url, data_dir
):
    import os

    journal = _write_legacy(data_dir)
    database = open_database(database_url, data_dir)
    try:
        records = QuestionLog(database, imported_dir=journal)
        old, recent = journal / "questions.jsonl.imported", journal / "avis.jsonl.imported"
        written = datetime(2025, 3, 2, 10, tzinfo=UTC).timestamp()
        os.utime(old, (written, written))
        now = datetime(2025, 9, 1, tzinfo=UTC)
        os.utime(recent, (now.timestamp(), now.timestamp()))
        removed = records.purge(180, now=now)
        assert removed == {"questions": 2, "feedback": 1}
        assert not old.exists() and recent.exists()
    finally:
        database.dispose()


def test_several_writers_at_once_lose_nothing(database_url, data_dir):
    """Threads with their own engine, as separate processes would be, append while another
    purges and another reads: short transactions, WAL and the busy timeout."""
    databases = [open_database(database_url, data_dir) for _ in range(4)]
    errors: list[BaseException] = []

    def write(records: QuestionLog, writer: int) -> None:
        try:
            for n in range(25):
                records.questions.append({"question_id": f"{writer}-{n}"})
                records.record_feedback(
                    question_id=f"{writer}-{n}", vote="up", reason="", reason_findings=[]
                )
        except BaseException as error:
            errors.append(error)

    def churn(records: QuestionLog) -> None:
        try:
            for _ in range(20):
                records.purge(30)
                records.questions.read()
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(QuestionLog(db), i))
        for i, db in enumerate(databases[:3])
    ]
    threads.append(threading.Thread(target=churn, args=(QuestionLog(databases[3]),)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        records = QuestionLog(databases[0])
        assert len(records.questions.read()) == 75
        assert len(records.feedback.read()) == 75
    finally:
        for database in databases:
            database.dispose()


def _append_from_a_process(database_url, data_dir, writer: int) -> None:
    database = open_database(database_url, data_dir)
    records = QuestionLog(database)
    for n in range(20):
        records.questions.append({"question_id": f"p{writer}-{n}"})
    database.dispose()


def test_several_processes_migrate_and_write_at_once(database_url, data_dir):
    """Processes started together (server workers, replicas, `assistant purge`): they take
    turns to migrate, then all their appends land."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_append_from_a_process, args=(database_url, data_dir, i))
        for i in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    database = open_database(database_url, data_dir)
    try:
        entries = QuestionLog(database).questions.read()
        assert len(entries) == 60
        assert {e["question_id"] for e in entries} == {
            f"p{w}-{n}" for w in range(3) for n in range(20)
        }
    finally:
        database.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(data_dir):
    database = open_database("", data_dir)
    try:
        assert database.url.database == str(data_dir / "assistant.sqlite3")
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        database.dispose()


def test_database_url_setting(monkeypatch, data_dir):
    from assistant.settings import load_settings

    assert load_settings().database.url.get_secret_value() == ""
    monkeypatch.setenv(
        "ASSISTANT_DATABASE__URL", "postgresql://assistant:secret@postgres:5432/assistant"
    )
    settings = load_settings()
    assert "secret" not in repr(settings)
    url = database_url(settings.database.url.get_secret_value(), data_dir)
    assert url.drivername == "postgresql+psycopg"
    assert url.host == "postgres" and url.database == "assistant"
    sqlite = database_url("", data_dir)
    assert sqlite.get_backend_name() == "sqlite"
