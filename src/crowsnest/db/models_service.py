"""SQLAlchemy models of the match service (migration ``0002_service``).

* ``api_keys`` -- API keys, stored only as a SHA-256 digest, with scopes.
* ``change_log`` -- one row per change to a bank or entry, written by database triggers in
  the same transaction as the change; every service worker replays it to keep its
  in-memory indexes current without a rebuild.
* ``outbox`` -- messages waiting for delivery (match webhooks, later hotline forwards),
  delivered with retries and backoff so an outage or a restart loses nothing.
* ``bank_actions`` -- what to do when a bank matches (e.g. a signed webhook).
* ``bank_settings`` -- per-bank service settings (HMA's ``matching_enabled_ratio``).
* ``audit_log`` -- who changed what through the API (the key's name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crowsnest.db.models import Base, UTCDateTime, utcnow

#: SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
BigId = BigInteger().with_variant(Integer(), "sqlite")

OUTBOX_PENDING = "pending"
OUTBOX_FAILED = "failed"  # an attempt failed; another is scheduled
OUTBOX_DELIVERED = "delivered"
OUTBOX_DEAD = "dead"  # out of attempts, or a failure that retrying cannot fix
OUTBOX_STATUSES = (OUTBOX_PENDING, OUTBOX_FAILED, OUTBOX_DELIVERED, OUTBOX_DEAD)

#: change_log.op values
OP_UPSERT = "upsert"  # an entry was inserted or changed: re-read it
OP_DELETE = "delete"  # an entry was deleted
OP_BANK = "bank"  # a bank was changed (enabled, threshold, ...): re-read its entries
OP_BANK_DELETE = "bank_delete"


class ApiKey(Base):
    """An API key; only the digest of the secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ChangeLog(Base):
    """One change to a bank or an entry, in commit order (see the triggers in 0002)."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    op: Mapped[str] = mapped_column(String(16))
    bank_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signal_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message to deliver through a destination plug-in, with its delivery state."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BankAction(Base):
    """Something to do when a bank matches, e.g. send a signed webhook."""

    __tablename__ = "bank_actions"
    __table_args__ = (UniqueConstraint("bank_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    destination: Mapped[str] = mapped_column(String(64))
    target: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class BankSettings(Base):
    """Per-bank settings of the service; a bank without a row uses the defaults."""

    __tablename__ = "bank_settings"

    bank_id: Mapped[int] = mapped_column(
        ForeignKey("banks.id", ondelete="CASCADE"), primary_key=True
    )
    #: HMA's matching_enabled_ratio: share of contents (stable sample) the bank matches.
    enabled_ratio: Mapped[float] = mapped_column(Float, default=1.0)


class AuditEntry(Base):
    """One change made through the API, and who made it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(400))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
