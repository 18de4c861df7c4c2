"""SQLAlchemy models of the detection core: hash banks and their entries.

Types are portable (SQLite and PostgreSQL alike); constraint names follow one naming
convention so Alembic migrations can address them on both. Hash values are stored as
lowercase hex text; ``value_digest`` (SHA-256 of the value) carries the uniqueness
constraint because vPDQ values are far too long for a portable unique index.

Later migrations add more tables (``0002_service``: API keys, outbox, change log;
``0003_hotline``); they declare their models on the same :class:`Base`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware current time in UTC (the only clock the models use)."""
    return datetime.now(UTC)


def value_digest(value: str) -> str:
    """SHA-256 hex of a canonical hash value: the key that makes entries unique per bank."""
    return hashlib.sha256(value.encode("ascii")).hexdigest()


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored without zone and always read back as aware UTC.

    SQLite has no timezone type, so storing naive UTC on both backends keeps them alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base; every crowsnest table hangs off its metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Bank(Base):
    """A named hash list ("bank") of known material."""

    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Overrides the PDQ match threshold for this bank; NULL means the configured default.
    pdq_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entries: Mapped[list[BankEntry]] = relationship(
        back_populates="bank", cascade="all, delete-orphan", passive_deletes=True
    )


class BankEntry(Base):
    """One hash value in a bank, with its labels and provenance."""

    __tablename__ = "bank_entries"
    # digest first: it is what lookups narrow on, and PostgreSQL then uses the index for
    # the IN (...) list even before statistics exist (e.g. inside a first big import)
    __table_args__ = (UniqueConstraint("value_digest", "bank_id", "signal_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    signal_type: Mapped[str] = mapped_column(String(64), index=True)
    value: Mapped[str] = mapped_column(Text)
    value_digest: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    bank: Mapped[Bank] = relationship(back_populates="entries")


# Tables of later migrations are declared in their own modules on the same Base; importing
# them here puts every table on ``Base.metadata`` whoever imports the models.
from crowsnest.db import models_service  # noqa: E402,F401
from crowsnest.db import models_hotline  # noqa: E402,F401
from crowsnest.db import models_ratelimit  # noqa: E402,F401
