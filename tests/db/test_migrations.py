"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from crowsnest.core.errors import SchemaOutOfDate
from crowsnest.db.engine import make_engine
from crowsnest.db.migrate import current_revisions, ensure_schema, head_revisions
from crowsnest.db.models import Base


def test_models_and_migrations_agree(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_first_revision_is_0001_core_and_database_is_at_head(db_engine: Engine) -> None:
    assert "0001_core" in _all_revisions()
    assert current_revisions(db_engine) == head_revisions()


def _all_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from crowsnest.db.migrate import alembic_config

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def test_fresh_sqlite_is_upgraded_on_demand(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    ensure_schema(engine)
    assert {"banks", "bank_entries"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlite_refuses_when_auto_upgrade_is_off(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    with pytest.raises(SchemaOutOfDate, match="crowsnest db upgrade"):
        ensure_schema(engine, auto_upgrade_sqlite=False)
    engine.dispose()
