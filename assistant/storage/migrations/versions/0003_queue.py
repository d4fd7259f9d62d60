"""The trainers' queue: queue questions with their embeddings, groups and their links.

Revision ID: 0003_queue
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.storage.models import UTCDateTime

revision: str = "0003_queue"
# The brief names the parent "0001_records" (its file); its revision id is "0001".
down_revision: str | None = "0002_retours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queue_questions",
        sa.Column(
            "question_row",
            Id,
            sa.ForeignKey("questions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("coverage", sa.String(16), nullable=False),
        sa.Column("down", sa.Boolean(), nullable=False),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("group_id", sa.String(32), nullable=True),
    )
    op.create_index("ix_queue_questions_ts", "queue_questions", ["ts"])
    op.create_index("ix_queue_questions_question_id", "queue_questions", ["question_id"])
    op.create_index("ix_queue_questions_group_id", "queue_questions", ["group_id"])
    op.create_table(
        "queue_groups",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("leader_vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("doc_id", sa.String(255), nullable=True),
        sa.Column("section", sa.String(500), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_queue_groups_status", "queue_groups", ["status"])
    op.create_table(
        "queue_cursor",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_row", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("queue_cursor")
    op.drop_index("ix_queue_groups_status", table_name="queue_groups")
    op.drop_table("queue_groups")
    op.drop_index("ix_queue_questions_group_id", table_name="queue_questions")
    op.drop_index("ix_queue_questions_question_id", table_name="queue_questions")
    op.drop_index("ix_queue_questions_ts", table_name="queue_questions")
    op.drop_table("queue_questions")
