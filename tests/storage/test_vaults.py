"""Sealed pseudonym vaults in the records' database (SQLite and PostgreSQL): a conversation's
placeholders survive a turn on another replica, and no table holds a personal value or a
conversation id in clear."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr
from sqlalchemy import inspect, text

from assistant.storage import open_database
from assistant.storage.vaults import DatabaseVaults
from guardrails.pii.sealed import SealedVaultStore, VaultSealer

SECRET = "une-cle-de-test-assez-longue-pour-hkdf-0123456789"
CONVERSATION = "conversation-7f3a"
QUESTION = "Marie Durand (06 12 34 56 78) peut-elle coller son dossier dans ChatGPT ?"


@pytest.fixture
def database(database_url, data_dir):
    database = open_database(database_url, data_dir)
    yield database
    database.dispose()


def replica(database, secret: str = SECRET, ttl_seconds: float = 3600) -> SealedVaultStore:
    """A store as one app process builds it (the database is shared, the objects are not)."""
    return SealedVaultStore(DatabaseVaults(database), VaultSealer(secret), ttl_seconds)


def all_stored_text(engine) -> str:
    """Every value of every table, as text (bytes decoded leniently)."""
    chunks = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    chunks.append(str(value))
    return "\n".join(chunks)


def test_placeholders_survive_turns_alternating_between_replicas(database, shared_scrubbers):
    scrubber = shared_scrubbers(True)
    a, b = replica(database), replica(database)

    first = scrubber.scrub(QUESTION, vault=a.get(CONVERSATION))
    assert "[PERSONNE_1]" in first.text and "[TÉLÉPHONE_1]" in first.text

    on_b = b.get(CONVERSATION)  # turn 2 lands on the other replica
    second = scrubber.scrub("Et Marie Durand, puis Paul Martin ?", vault=on_b)
    assert "[PERSONNE_1]" in second.text and "[PERSONNE_2]" in second.text
    assert on_b.restore("[PERSONNE_1] appelle le [TÉLÉPHONE_1]") == (
        "Marie Durand appelle le 06 12 34 56 78"
    )

    on_a = a.get(CONVERSATION)  # turn 3 back on the first: it sees B's new placeholder
    third = scrubber.scrub("Paul Martin et Marie Durand", vault=on_a)
    assert "[PERSONNE_2]" in third.text and "[PERSONNE_1]" in third.text
    assert "[PERSONNE_3]" not in third.text
    assert on_a.restore("[PERSONNE_2]") == "Paul Martin"


def test_no_table_holds_a_personal_value_or_the_conversation_id(database, shared_scrubbers):
    scrubber = shared_scrubbers(True)
    store = replica(database)
    scrubber.scrub(QUESTION, vault=store.get(CONVERSATION))
    assert DatabaseVaults(database).count() == 1
    stored = all_stored_text(database.engine)
    # The check can fail: the vault's own state holds every one of these values in clear.
    assert "Durand" in str(store.get(CONVERSATION).state())
    for raw in ("Marie", "Durand", "06 12 34 56 78", "0612345678", CONVERSATION):
        assert raw not in stored


def test_another_key_opens_nothing_and_a_conversation_without_personal_data_stores_nothing(
    database, shared_scrubbers
):
    scrubber = shared_scrubbers(True)
    scrubber.scrub(QUESTION, vault=replica(database).get(CONVERSATION))
    other = replica(database, secret="x" * 40)
    assert len(other.get(CONVERSATION)) == 0  # sealed under another key: not readable
    scrubber.scrub("Que dit la charte sur la relecture ?", vault=replica(database).get("autre"))
    assert DatabaseVaults(database).count() == 1


def test_expired_vaults_are_ignored_then_purged(database, shared_scrubbers):
    scrubber = shared_scrubbers(True)
    store = replica(database, ttl_seconds=0.5)
    scrubber.scrub(QUESTION, vault=store.get(CONVERSATION))
    assert CONVERSATION in store
    time.sleep(0.7)
    assert CONVERSATION not in store
    assert len(store.get(CONVERSATION)) == 0
    assert store.purge() == 1
    assert DatabaseVaults(database).count() == 0


def test_getting_a_vault_reads_nothing_until_it_is_used(database, shared_scrubbers):
    """``get`` runs on the event loop: the vault reads the database on first use only, in the
    thread that scrubs; an answer without placeholders restores without reading."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    store = replica(database)
    store.purge()  # the first purge is not the subject here
    store._next_purge = float("inf")
    event.listen(database.engine, "before_cursor_execute", count)
    try:
        vault = store.get(CONVERSATION)
        assert vault.restore("Relisez la charte [1].") == "Relisez la charte [1]."
        assert statements == []
        shared_scrubbers(True).scrub(QUESTION, vault=vault)
        assert any("sealed_vaults" in s for s in statements)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError):
        VaultSealer("court")


def test_a_database_out_of_reach_costs_the_pseudonyms_never_the_answer(shared_scrubbers):
    """PostgreSQL stopped or unreachable: the turn is scrubbed with a vault of its own."""
    from sqlalchemy.engine import make_url

    from assistant.storage.database import Database

    unreachable = Database(make_url("postgresql+psycopg://nobody@127.0.0.1:9/none"))
    try:
        vault = replica(unreachable).get(CONVERSATION)
        result = shared_scrubbers(True).scrub(QUESTION, vault=vault)
    finally:
        unreachable.dispose()
    assert result.text.startswith("[PERSONNE_1] ([TÉLÉPHONE_1])")
    assert vault.restore("[PERSONNE_1]") == "Marie Durand"


def test_without_a_setting_the_key_is_made_once_in_the_data_dir_readable_by_its_owner_only(
    settings, data_dir
):
    from assistant.container import Container

    first = Container(settings).vault_secret
    path = data_dir / "vault.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert Container(settings).vault_secret == first  # another process reads the same key
    assert len(first) >= 32

    configured = settings.model_copy(
        update={"privacy": settings.privacy.model_copy(update={"vault_key": SecretStr(SECRET)})}
    )
    path.unlink()
    assert Container(configured).vault_secret == SECRET
    assert not path.exists()
