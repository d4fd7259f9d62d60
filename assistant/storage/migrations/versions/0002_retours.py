"""The agents' field feedback (« retours d'expérience »), scrubbed.

Revision ID: 0002_retours
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.storage.models import UTCDateTime

revision: str = "0002_retours"
# The records' first migration declares the revision id "0001" (its file is 0001_records.py).
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "retours",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("ts", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        sa.Column("time_saved_minutes", sa.Integer(), nullable=True),
        sa.Column("risk", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("finding_types", sa.JSON(), nullable=False),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("merged_into", Id, nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_retours_ts", "retours", ["ts"])
    op.create_index("ix_retours_status", "retours", ["status"])


def downgrade() -> None:
    op.drop_index("ix_retours_status", table_name="retours")
    op.drop_index("ix_retours_ts", table_name="retours")
    op.drop_table("retours")
