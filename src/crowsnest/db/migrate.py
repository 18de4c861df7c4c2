"""Run Alembic migrations programmatically (no ``alembic.ini`` needed anywhere).

The CLI upgrades a fresh or outdated SQLite file by itself so the first command just
works; PostgreSQL is never migrated silently -- the operator runs ``crowsnest db upgrade``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from crowsnest.core.errors import SchemaOutOfDate
from crowsnest.db.engine import is_sqlite

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (and ``engine``'s URL)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
        config.set_main_option("sqlalchemy.url", url)
    return config


def head_revisions() -> set[str]:
    """The newest revision of every migration branch."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """Revisions the database is stamped with (empty for a fresh database)."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def upgrade(engine: Engine) -> tuple[set[str], set[str]]:
    """Upgrade to every head; returns the revisions (before, after)."""
    before = current_revisions(engine)
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    return before, current_revisions(engine)


def ensure_schema(engine: Engine, *, auto_upgrade_sqlite: bool = True) -> None:
    """Make sure the schema is current: upgrade SQLite silently, refuse otherwise."""
    current, heads = current_revisions(engine), head_revisions()
    if current == heads:
        return
    if auto_upgrade_sqlite and is_sqlite(engine):
        upgrade(engine)
        return
    state = "has no crowsnest schema yet" if not current else "has an older schema"
    raise SchemaOutOfDate(
        f"the database {engine.url.render_as_string(hide_password=True)} {state}; "
        "run `crowsnest db upgrade` first",
        detail={"current": sorted(current), "heads": sorted(heads)},
    )
