"""Match service schema: API keys, change log (with triggers), outbox, bank actions/settings,
audit log.

The change log is filled by database triggers on ``banks`` and ``bank_entries``, so every
change -- through the API, the CLI, a bulk import or a cascading bank delete -- is logged
in the same transaction as the change itself, whatever code made it. On PostgreSQL the
trigger first takes a transaction-scoped advisory lock: change-log ids are then assigned
in commit order, so a worker that has read up to id N can never later see a smaller id
appear (which sequence ids alone do not guarantee under concurrent writers). SQLite
serialises writers anyway. The PostgreSQL triggers also ``pg_notify`` the channel
``crowsnest_changes`` so listening workers apply a change right after its commit.

Revision ID: 0002_service
Revises: 0001_core
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crowsnest.db.models import UTCDateTime

revision: str = "0002_service"
down_revision: str | Sequence[str] | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHANGE_LOG_LOCK = 7313001  # advisory lock key that orders change-log writers on PostgreSQL

_PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION crowsnest_log_entry_change() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({CHANGE_LOG_LOCK});
  PERFORM pg_notify('crowsnest_changes', '');
  IF TG_OP = 'DELETE' THEN
    INSERT INTO change_log (op, bank_id, entry_id, signal_type, created_at)
    VALUES ('delete', OLD.bank_id, OLD.id, OLD.signal_type, timezone('utc', now()));
    RETURN OLD;
  END IF;
  INSERT INTO change_log (op, bank_id, entry_id, signal_type, created_at)
  VALUES ('upsert', NEW.bank_id, NEW.id, NEW.signal_type, timezone('utc', now()));
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION crowsnest_log_bank_change() RETURNS trigger AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({CHANGE_LOG_LOCK});
  PERFORM pg_notify('crowsnest_changes', '');
  INSERT INTO change_log (op, bank_id, created_at)
  VALUES ('bank', NEW.id, timezone('utc', now()));
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

_PG_TRIGGERS = [
    "CREATE TRIGGER trg_bank_entries_insert AFTER INSERT ON bank_entries "
    "FOR EACH ROW EXECUTE FUNCTION crowsnest_log_entry_change()",
    "CREATE TRIGGER trg_bank_entries_update AFTER UPDATE ON bank_entries FOR EACH ROW "
    "WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled OR OLD.value IS DISTINCT FROM NEW.value) "
    "EXECUTE FUNCTION crowsnest_log_entry_change()",
    "CREATE TRIGGER trg_bank_entries_delete AFTER DELETE ON bank_entries "
    "FOR EACH ROW EXECUTE FUNCTION crowsnest_log_entry_change()",
    "CREATE TRIGGER trg_banks_update AFTER UPDATE ON banks FOR EACH ROW "
    "WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled) "
    "EXECUTE FUNCTION crowsnest_log_bank_change()",
]

_NOW_SQLITE = "datetime('now')"
_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER trg_bank_entries_insert AFTER INSERT ON bank_entries BEGIN
      INSERT INTO change_log (op, bank_id, entry_id, signal_type, created_at)
      VALUES ('upsert', NEW.bank_id, NEW.id, NEW.signal_type, {_NOW_SQLITE}); END""",
    f"""CREATE TRIGGER trg_bank_entries_update AFTER UPDATE ON bank_entries
      WHEN OLD.enabled IS NOT NEW.enabled OR OLD.value IS NOT NEW.value BEGIN
      INSERT INTO change_log (op, bank_id, entry_id, signal_type, created_at)
      VALUES ('upsert', NEW.bank_id, NEW.id, NEW.signal_type, {_NOW_SQLITE}); END""",
    f"""CREATE TRIGGER trg_bank_entries_delete AFTER DELETE ON bank_entries BEGIN
      INSERT INTO change_log (op, bank_id, entry_id, signal_type, created_at)
      VALUES ('delete', OLD.bank_id, OLD.id, OLD.signal_type, {_NOW_SQLITE}); END""",
    f"""CREATE TRIGGER trg_banks_update AFTER UPDATE ON banks
      WHEN OLD.enabled IS NOT NEW.enabled BEGIN
      INSERT INTO change_log (op, bank_id, created_at)
      VALUES ('bank', NEW.id, {_NOW_SQLITE}); END""",
]
_TRIGGER_NAMES = [
    ("trg_bank_entries_insert", "bank_entries"), ("trg_bank_entries_update", "bank_entries"),
    ("trg_bank_entries_delete", "bank_entries"), ("trg_banks_update", "banks"),
]


def _create_tables() -> None:
    _create_keys_and_log()
    _create_outbox()
    _create_bank_extras()


def _create_keys_and_log() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_keys_key_id")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
    )
    op.create_table(
        "change_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("signal_type", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("destination", sa.String(length=64), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"])
    op.create_index(op.f("ix_outbox_next_attempt_at"), "outbox", ["next_attempt_at"])


def _create_bank_extras() -> None:
    op.create_table(
        "bank_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("destination", sa.String(length=64), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"],
                                name=op.f("fk_bank_actions_bank_id_banks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_actions")),
        sa.UniqueConstraint("bank_id", "name", name=op.f("uq_bank_actions_bank_id_name")),
    )
    op.create_index(op.f("ix_bank_actions_bank_id"), "bank_actions", ["bank_id"])
    op.create_table(
        "bank_settings",
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("enabled_ratio", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["banks.id"],
                                name=op.f("fk_bank_settings_bank_id_banks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("bank_id", name=op.f("pk_bank_settings")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def upgrade() -> None:
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTIONS)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table in _TRIGGER_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres
                   else f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS crowsnest_log_entry_change()")
        op.execute("DROP FUNCTION IF EXISTS crowsnest_log_bank_change()")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("bank_settings")
    op.drop_index(op.f("ix_bank_actions_bank_id"), table_name="bank_actions")
    op.drop_table("bank_actions")
    op.drop_index(op.f("ix_outbox_next_attempt_at"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_status"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("change_log")
    op.drop_table("api_keys")
