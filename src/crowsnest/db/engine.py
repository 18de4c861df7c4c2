"""Database engine, sessions and the unit of work.

SQLite is the embedded default: WAL journal (readers never block the writer), foreign
keys on (SQLite leaves them off), and a busy timeout so concurrent writers wait instead of
failing at once -- all set per connection. PostgreSQL goes through psycopg 3; a plain
``postgresql://`` URL is normalised to ``postgresql+psycopg://``.

Services only flush; the caller at the boundary (a CLI command, an HTTP request) owns the
transaction: :func:`unit_of_work` commits on success and rolls back on any error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.config import Settings, get_settings
from crowsnest.core.errors import ExternalDependencyError, InvalidInput

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 65_536  # per connection; the default 2 MiB thrashes on large banks


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for PostgreSQL URLs; leave other URLs untouched."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise InvalidInput(f"not a database URL: {url!r}") from error
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions on its own and breaks SAVEPOINT; take control of BEGIN
    # ourselves (SQLAlchemy's documented recipe) so nested transactions work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough under WAL, much faster
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # big imports touch many pages
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with crowsnest's per-connection settings applied."""
    engine = create_engine(normalise_url(url), **kwargs)
    if is_sqlite(engine):
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def engine_from_settings(settings: Settings | None = None, **kwargs: Any) -> Engine:
    """The engine for ``settings.database_url`` (the process-wide settings by default)."""
    return make_engine((settings or get_settings()).database_url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except OperationalError as error:
        session.rollback()
        raise ExternalDependencyError(f"database error: {error.orig}") from error
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
