"""Queries on the shared rate-limit buckets: insert a new one, lock one, store, purge.

The read-modify-write of one bucket must be atomic across processes. A round starts with
:func:`begin_round` (on SQLite: the database's write lock), reads the bucket with
``SELECT ... FOR UPDATE`` (a row lock on PostgreSQL), and a new key is added with
``INSERT ... ON CONFLICT DO NOTHING``, which on PostgreSQL waits for a concurrent
transaction inserting the same key and then tells the caller it lost the race.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, text, update
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


def begin_round(session: Session) -> None:
    """Start one bucket's read-modify-write.

    SQLite: take the write lock now with a write that changes nothing; a read first would
    let another writer slip in before this transaction's own write. PostgreSQL: locks
    rows as it reads them; and bucket state is not worth an fsync per request (a crash
    loses at most the last fraction of a second of counting), so the commit does not wait
    for the WAL flush.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(RateLimitBucket).where(RateLimitBucket.key == "")
                        .values(tokens=RateLimitBucket.tokens))
    else:
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


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
