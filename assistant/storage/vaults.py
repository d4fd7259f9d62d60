"""The sealed pseudonym vaults' table: the ``VaultBackend`` of ``guardrails.pii.sealed``.

Rows hold a keyed hash of the conversation id and AES-GCM ciphertext only; the database never
sees a personal value nor a conversation id in clear.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from assistant.storage.models import SealedVaultRow

if TYPE_CHECKING:
    from assistant.storage.database import Database


class DatabaseVaults:
    """Sealed vaults in the records' database, shared by every replica."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def load(self, key: str, max_age_s: float) -> tuple[int, bytes, float] | None:
        """The live vault's version, sealed bytes and age in seconds."""
        with self.database.session() as session:
            row = session.execute(
                select(
                    SealedVaultRow.version, SealedVaultRow.sealed, SealedVaultRow.last_used
                ).where(SealedVaultRow.key == key)
            ).first()
        if row is None:
            return None
        age_s = (datetime.now(UTC) - row.last_used).total_seconds()
        if age_s >= max_age_s:
            return None
        return int(row.version), bytes(row.sealed), age_s

    def save(self, key: str, version: int, sealed: bytes) -> None:
        """Insert or replace the vault (one short transaction)."""
        now = datetime.now(UTC)
        values = {"version": version, "sealed": sealed, "last_used": now}
        with self.database.session() as session:
            updated = session.execute(
                update(SealedVaultRow).where(SealedVaultRow.key == key).values(**values)
            )
            if updated.rowcount:
                return
        try:
            with self.database.session() as session:
                session.add(SealedVaultRow(key=key, **values))
        except IntegrityError:  # another thread or replica inserted it meanwhile
            with self.database.session() as session:
                session.execute(
                    update(SealedVaultRow).where(SealedVaultRow.key == key).values(**values)
                )

    def touch(self, key: str) -> None:
        with self.database.session() as session:
            session.execute(
                update(SealedVaultRow)
                .where(SealedVaultRow.key == key)
                .values(last_used=datetime.now(UTC))
            )

    def drop(self, key: str) -> None:
        with self.database.session() as session:
            session.execute(delete(SealedVaultRow).where(SealedVaultRow.key == key))

    def purge(self, max_age_s: float) -> int:
        cutoff = datetime.now(UTC) - timedelta(seconds=max_age_s)
        with self.database.session() as session:
            result = session.execute(
                delete(SealedVaultRow).where(SealedVaultRow.last_used < cutoff)
            )
            return int(result.rowcount or 0)

    def count(self) -> int:
        """How many vaults are stored (expired ones included until purged)."""
        with self.database.session() as session:
            return int(session.scalar(select(func.count()).select_from(SealedVaultRow)) or 0)
