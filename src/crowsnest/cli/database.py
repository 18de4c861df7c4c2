"""How CLI commands reach the database: settings, engine, schema check, unit of work.

A fresh or outdated SQLite file is migrated on first use so the first command just works;
PostgreSQL is never migrated silently (``crowsnest db upgrade`` does that).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from crowsnest.config import Settings, get_settings
from crowsnest.core.errors import ExternalDependencyError
from crowsnest.db.engine import engine_from_settings, make_session_factory, unit_of_work
from crowsnest.db.migrate import ensure_schema


def settings_for(db: str | None) -> Settings:
    """Settings with the ``--db`` flag (when given) winning over env and crowsnest.toml."""
    return get_settings(database_url=db) if db else get_settings()


@contextmanager
def connected_engine(db: str | None) -> Iterator[Engine]:
    """An engine for the configured database, disposed afterwards."""
    engine = engine_from_settings(settings_for(db))
    try:
        yield engine
    except OperationalError as error:
        raise ExternalDependencyError(
            f"cannot use the database {engine.url.render_as_string(hide_password=True)}: "
            f"{error.orig}"
        ) from error
    finally:
        engine.dispose()


@contextmanager
def session_scope(db: str | None) -> Iterator[Session]:
    """One committed-or-rolled-back unit of work on a database with a current schema."""
    with connected_engine(db) as engine:
        ensure_schema(engine, auto_upgrade_sqlite=True)
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
