"""One engine per process and short-lived sessions, on `DATABASE_URL`.

Usage:
    from bot.storage.db import session_scope
    with session_scope() as session:
        session.execute(...)

`python -m bot.storage.db upgrade` applies the Alembic migrations (make run does it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
T = TypeVar("T")


def create_engine(url: str) -> Engine:
    """An engine with settings that suit SQLite files and PostgreSQL alike."""
    kwargs: dict = {"future": True, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


@functools.lru_cache(maxsize=1)
def engine() -> Engine:
    """The process's engine (created on first use, not at import)."""
    return create_engine(get_settings().database_url)


@functools.lru_cache(maxsize=1)
def _sessionmaker() -> sessionmaker:
    return sessionmaker(bind=engine(), future=True, expire_on_commit=False)


@contextlib.contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session: Session = _sessionmaker()()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def reset() -> None:
    """Forget the cached settings and engine (after the environment changed, e.g. in tests)."""
    if engine.cache_info().currsize:
        engine().dispose()
    get_settings.cache_clear()
    engine.cache_clear()
    _sessionmaker.cache_clear()


async def run_sync(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking database work off the event loop."""
    return await asyncio.to_thread(fn, *args)


def alembic_config(url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Apply every migration to the database."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def main(argv: list[str]) -> int:
    if argv[:1] == ["upgrade"]:
        upgrade()
        print("database is up to date")
        return 0
    print("usage: python -m bot.storage.db upgrade", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
