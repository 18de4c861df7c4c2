"""Queries on the outbox: enqueue, claim due messages, record outcomes, list status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crowsnest.db.models_service import (
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OutboxMessage,
)


def insert_if_absent(session: Session, values: dict[str, Any]) -> bool:
    """Insert one message unless its ``key`` exists; True when it was inserted."""
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = maker(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["key"]
    ).returning(OutboxMessage.id)
    # RETURNING, not rowcount: psycopg reports -1 rows for this statement, which read as
    # "inserted" even when the key already existed
    return session.execute(statement).first() is not None


def get_by_key(session: Session, key: str) -> OutboxMessage | None:
    """The message with idempotency key ``key``, or None."""
    return session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one_or_none()


def get(session: Session, message_id: int) -> OutboxMessage | None:
    """The message with primary key ``message_id``, or None."""
    return session.get(OutboxMessage, message_id)


def claim_due(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[int]:
    """Lease up to ``limit`` due messages to the caller; returns their ids.

    On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers claim disjoint rows
    concurrently. On SQLite (one writer at a time) the claim is a single
    ``UPDATE ... RETURNING``: a write from its first statement, so two workers never
    read the same due rows and then both take them. The lease (``next_attempt_at``
    moved to ``lease_until``) makes a message due again if its worker dies before
    recording an outcome.
    """
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status.in_((OUTBOX_PENDING, OUTBOX_FAILED)),
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "postgresql":
        claim = (update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
                 .values(next_attempt_at=lease_until).returning(OutboxMessage.id))
        return sorted(session.scalars(claim))
    ids = list(session.scalars(due.with_for_update(skip_locked=True)))
    if ids:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids))
            .values(next_attempt_at=lease_until)
        )
    return ids


def record(session: Session, message_id: int, **values: Any) -> None:
    """Store the outcome of an attempt (status, attempts, next_attempt_at, ...)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))


def list_page(
    session: Session, *, status: str | None = None, kind: str | None = None,
    key_prefix: str | None = None, limit: int = 100, before_id: int | None = None,
) -> list[OutboxMessage]:
    """Newest messages first, filtered, keyset-paginated by id."""
    query = select(OutboxMessage)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if key_prefix:
        query = query.where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
    if before_id is not None:
        query = query.where(OutboxMessage.id < before_id)
    return list(session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)))


def counts_by_status(session: Session) -> dict[str, int]:
    """Number of messages per status."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {status: n for status, n in session.execute(query)}


def ids_by_key(session: Session, keys: Sequence[str]) -> dict[str, int]:
    """Message ids for the given keys (absent keys are missing)."""
    if not keys:
        return {}
    query = select(OutboxMessage.key, OutboxMessage.id).where(OutboxMessage.key.in_(list(keys)))
    return {key: message_id for key, message_id in session.execute(query)}


def redact_targets(session: Session, *, kinds: Sequence[str], created_before: datetime) -> int:
    """Forget where messages of ``kinds`` created before a moment were sent (a retention
    limit on recipients' addresses); one still pending can no longer be delivered."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.kind.in_(list(kinds)), OutboxMessage.created_at < created_before)
        .values(target={"redacted": True}))
    return int(result.rowcount or 0)
