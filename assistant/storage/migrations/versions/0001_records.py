"""The records: scrubbed questions, feedback, imported JSON-lines files.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.storage.models import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("theme", sa.String(64), nullable=True),
        sa.Column("job", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_questions_ts", "questions", ["ts"])
    op.create_index("ix_questions_question_id", "questions", ["question_id"])
    op.create_table(
        "feedback",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=True),
        sa.Column("vote", sa.String(16), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_feedback_ts", "feedback", ["ts"])
    op.create_index("ix_feedback_question_id", "feedback", ["question_id"])
    op.create_table(
        "imported_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("imported_files")
    op.drop_index("ix_feedback_question_id", table_name="feedback")
    op.drop_index("ix_feedback_ts", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_questions_question_id", table_name="questions")
    op.drop_index("ix_questions_ts", table_name="questions")
    op.drop_table("questions")
