"""The tables of the records: scrubbed questions, feedback, JSON-lines files imported, retours.

Each row keeps the entry as the server logged it (``data``, a JSON object, the ``ts`` aside)
and copies the few fields that are filtered or grouped on into typed columns. Only scrubbed
content ever reaches these tables (``AnswerRecord.to_log()``, scrubbed feedback reasons).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every engine (SQLite keeps no time zone: stored as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only makes an INTEGER PRIMARY KEY an alias of its rowid (autoincrement).
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of the records' tables."""


class QuestionRow(Base):
    """One answered question, scrubbed (``AnswerRecord.to_log()`` + theme, job, channel)."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    question_id: Mapped[str | None] = mapped_column(String(64), index=True)
    channel: Mapped[str | None] = mapped_column(String(32))
    theme: Mapped[str | None] = mapped_column(String(64))
    job: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedbackRow(Base):
    """One vote of an agent on an answer, with its scrubbed reason."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    question_id: Mapped[str | None] = mapped_column(String(64), index=True)
    vote: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ImportedFile(Base):
    """A JSON-lines log already imported (by content hash): never imported twice."""

    __tablename__ = "imported_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    entries: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RetourRow(Base):
    """One field feedback (« retour d'expérience ») of an agent; every free text scrubbed.

    ``status``: ``nouveau`` → ``publie`` | ``rejete`` | ``fusionne`` (then ``merged_into`` names
    the retour it was merged into). No contact detail is stored: ``contact_consent`` only says a
    trainer may ask about it during a webinar.
    """

    __tablename__ = "retours"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    job: Mapped[str] = mapped_column(String(64))
    task: Mapped[str] = mapped_column(Text)
    tool: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(32))
    time_saved_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    risk: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    finding_types: Mapped[list[str]] = mapped_column(JSON)
    contact_consent: Mapped[bool] = mapped_column(Boolean)
    merged_into: Mapped[int | None] = mapped_column(Id, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CorpusStateRow(Base):
    """The corpus as every replica must see it, per embedding collection: the manifest's
    documents (titles, counts, chunk ids: no personal value) and a generation counter bumped
    by each import, replacement and removal. Replicas poll the generation and reload."""

    __tablename__ = "corpus_state"

    collection: Mapped[str] = mapped_column(String(128), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger)
    manifest: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SealedVaultRow(Base):
    """A conversation's pseudonym vault, sealed (AES-GCM, server key), keyed by a keyed hash
    of the conversation id: neither the values nor the conversation id are stored in clear."""

    __tablename__ = "sealed_vaults"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    last_used: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class QueueQuestion(Base):
    """A question of the trainers' queue (refused, « passages proches » or voted down): its
    scrubbed text, its embedding (float32 bytes of the model ``model_id``) and its group.

    Filled incrementally from the records (``assistant.services.queue``); removed with its
    question when the retention purge deletes it (``ON DELETE CASCADE``).
    """

    __tablename__ = "queue_questions"

    question_row: Mapped[int] = mapped_column(
        Id, ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    question_id: Mapped[str | None] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    coverage: Mapped[str] = mapped_column(String(16))
    down: Mapped[bool] = mapped_column(Boolean, default=False)
    model_id: Mapped[str] = mapped_column(String(255))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    group_id: Mapped[str | None] = mapped_column(String(32), index=True)


class QueueGroup(Base):
    """A group of similar queue questions (its id comes from its first question, the leader
    every later question is compared with) and what a trainer decided for it."""

    __tablename__ = "queue_groups"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(255))
    leader_vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), index=True, default="open")
    doc_id: Mapped[str | None] = mapped_column(String(255))
    section: Mapped[str | None] = mapped_column(String(500))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QueueCursor(Base):
    """How far the queue has read the records (last question and feedback rows seen)."""

    __tablename__ = "queue_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_row: Mapped[int] = mapped_column(BigInteger, default=0)
