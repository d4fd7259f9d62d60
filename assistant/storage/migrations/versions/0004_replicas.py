"""Replicas: the shared corpus state (generation counter, manifest) and the sealed vaults.

Revision ID: 0004_replicas
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from assistant.storage.models import UTCDateTime

revision: str = "0004_replicas"
# The brief named the parent "0001_records"; the records' revision id is "0001" (its file is
# 0001_records.py), and Alembic chains on ids.
down_revision: str | None = "0003_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corpus_state",
        sa.Column("collection", sa.String(128), primary_key=True),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sealed_vaults",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("last_used", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sealed_vaults_last_used", "sealed_vaults", ["last_used"])


def downgrade() -> None:
    op.drop_index("ix_sealed_vaults_last_used", table_name="sealed_vaults")
    op.drop_table("sealed_vaults")
    op.drop_table("corpus_state")
