"""Alembic environment: our tables only (Rasa owns its `events` table)."""

from __future__ import annotations

from alembic import context

from bot.storage.db import create_engine
from bot.storage.models import Base

RASA_TABLES = {"events"}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name in RASA_TABLES)


def run_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
