"""Shared test fixtures: a real, migrated database per test session, rolled back per test.

Database tests run twice, on SQLite and on PostgreSQL (127.0.0.1:5432, user postgres).
Each xdist worker creates its own PostgreSQL database ``crowsnest_test_<worker>_<pid>``
and drops it at the end. When PostgreSQL is unreachable the PostgreSQL variants FAIL with
a clear message, unless ``CROWSNEST_TEST_SKIP_POSTGRES=1`` turns them into skips.

Fixtures:

* ``db_engine`` -- session-scoped, parametrised ``[sqlite]`` / ``[postgresql]``; the
  schema is created by running the Alembic migrations, never ``create_all``.
* ``db_session`` -- a Session inside an outer transaction that is rolled back after the
  test; the code under test may commit or use savepoints freely
  (``join_transaction_mode="create_savepoint"``).
* ``sqlite_url`` -- URL of a fresh, empty SQLite file (for CLI runs, which commit).
* ``empty_postgres_url`` -- URL of a fresh, empty PostgreSQL database, dropped afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.db.engine import make_engine, make_session_factory
from crowsnest.db.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "CROWSNEST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SKIP_POSTGRES = os.environ.get("CROWSNEST_TEST_SKIP_POSTGRES") == "1"


def _postgres_database(name: str) -> str:
    """Create a fresh database ``name``; its URL. Fails (or skips) if PG is unreachable."""
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT",
                        connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        message = (f"PostgreSQL is unreachable at {POSTGRES_ADMIN_URL} ({error.orig}). "
                   "Start it, or set CROWSNEST_TEST_SKIP_POSTGRES=1 to skip the "
                   "PostgreSQL variants of the database tests.")
        if SKIP_POSTGRES:
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    finally:
        admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)


def _drop_postgres_database(name: str) -> None:
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_database_name() -> str:
    """Name of this worker's PostgreSQL test database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"crowsnest_test_{worker}_{os.getpid()}"


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    postgres_database_name: str,
) -> Iterator[Engine]:
    """A migrated database engine (SQLite file or PostgreSQL), one per worker session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "crowsnest.db"
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(_postgres_database(postgres_database_name))
    upgrade(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(postgres_database_name)


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test, whatever the test commits."""
    with db_engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint",
                          expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite file in the test's temporary directory (no schema yet)."""
    return f"sqlite:///{tmp_path / 'crowsnest.db'}"


@pytest.fixture
def empty_postgres_url(postgres_database_name: str) -> Iterator[str]:
    """URL of a new PostgreSQL database without any schema (dropped after the test)."""
    name = f"{postgres_database_name}_empty"
    url = _postgres_database(name)
    yield url
    _drop_postgres_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A session factory on a new, migrated database of its own (SQLite file or
    PostgreSQL), for tests that commit and must see no other test's rows."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("empty_postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()
