"""Queries on the shared rate-limit buckets: insert a new one, lock one, store, purge.

The read-modify-write of one bucket must be atomic across processes. Every round starts
with an ``INSERT ... ON CONFLICT DO NOTHING``: on SQLite that first write statement takes
the database's write lock for the rest of the transaction, and on PostgreSQL it waits for
a concurrent transaction inserting the same key. An existing row is then read with
``SELECT ... FOR UPDATE`` (a row lock on PostgreSQL; SQLite already holds its lock).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crowsnest.db.models_ratelimit import RateLimitBucket


def insert_if_absent(session: Session, key: str, tokens: float, updated: float) -> bool:
    """Insert the bucket unless ``key`` exists; True when it was inserted."""
    maker = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = maker(RateLimitBucket).values(key=key, tokens=tokens, updated=updated)
    # RETURNING, not rowcount: an ORM insert through psycopg reports rowcount -1
    inserted = session.execute(statement.on_conflict_do_nothing(index_elements=["key"])
                               .returning(RateLimitBucket.key)).first()
    return inserted is not None


def take_write_lock(session: Session) -> None:
    """On SQLite, hold the write lock from now on (a write that changes nothing).

    Used when no row is to be inserted: a read first would let another writer slip in
    before this transaction's own write. PostgreSQL locks rows as it reads them instead.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(RateLimitBucket).where(RateLimitBucket.key == "")
                        .values(tokens=RateLimitBucket.tokens))


def lock(session: Session, key: str) -> tuple[float, float] | None:
    """The bucket's (tokens, updated), locked until the transaction ends; None if absent."""
    row = session.execute(
        select(RateLimitBucket.tokens, RateLimitBucket.updated)
        .where(RateLimitBucket.key == key).with_for_update()).one_or_none()
    return (float(row[0]), float(row[1])) if row is not None else None


def store(session: Session, key: str, tokens: float, updated: float) -> None:
    """Overwrite the (locked) bucket of ``key``."""
    session.execute(update(RateLimitBucket).where(RateLimitBucket.key == key)
                    .values(tokens=tokens, updated=updated))


def purge_older_than(session: Session, cutoff: float) -> int:
    """Delete buckets last drawn from before ``cutoff`` (epoch seconds); how many."""
    result = session.execute(delete(RateLimitBucket).where(RateLimitBucket.updated < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def count(session: Session) -> int:
    """How many buckets are stored (for tests and status)."""
    return int(session.scalar(select(func.count()).select_from(RateLimitBucket)) or 0)
