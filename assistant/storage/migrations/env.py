"""Alembic environment of the records' database.

Run by ``Database.migrate()`` with the app's own connection (``config.attributes``). Run by
the ``alembic`` command (``script_location`` pointing here), it takes the database from the
app's settings, or from ``-x url=...``.
"""

from __future__ import annotations

from alembic import context

from assistant.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; Alembic's batch mode does it.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from assistant.settings import load_settings
    from assistant.storage.database import create_database_engine, database_url

    settings = load_settings()
    url = context.get_x_argument(as_dictionary=True).get("url")
    url = url or settings.database.url.get_secret_value()
    engine = create_database_engine(database_url(url, settings.data_dir))
    with engine.begin() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=context.get_x_argument(as_dictionary=True).get("url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
