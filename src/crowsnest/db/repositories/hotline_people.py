"""Queries on analysts and on the hash-chained audit log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crowsnest.db.models_hotline import HotlineAnalyst, HotlineAuditRecord, HotlineSession


def analyst_by_name(session: Session, username: str) -> HotlineAnalyst | None:
    return session.scalars(
        select(HotlineAnalyst).where(HotlineAnalyst.username == username)).one_or_none()


def analyst(session: Session, analyst_id: int) -> HotlineAnalyst | None:
    return session.get(HotlineAnalyst, analyst_id)


def add_analyst(session: Session, record: HotlineAnalyst) -> HotlineAnalyst | None:
    """Insert an analyst; None if the user name is taken."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
        return record
    except IntegrityError:
        return None


def list_analysts(session: Session) -> Sequence[HotlineAnalyst]:
    return session.scalars(select(HotlineAnalyst).order_by(HotlineAnalyst.username)).all()


def active_admins(session: Session) -> Sequence[HotlineAnalyst]:
    """Every active admin, their rows locked (PostgreSQL) until the transaction ends, so
    two changes that each leave one admin cannot both pass the "last admin" check."""
    return session.scalars(
        select(HotlineAnalyst).where(HotlineAnalyst.role == "admin",
                                     HotlineAnalyst.active.is_(True))
        .order_by(HotlineAnalyst.id).with_for_update()).all()


def last_audit(session: Session) -> HotlineAuditRecord | None:
    return session.scalars(
        select(HotlineAuditRecord).order_by(HotlineAuditRecord.seq.desc()).limit(1)).one_or_none()


def insert_audit(session: Session, record: HotlineAuditRecord) -> bool:
    """Append one record; False if its ``seq`` was taken by a concurrent writer."""
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
        return True
    except IntegrityError:
        return False


def iter_audit(session: Session, batch: int = 1000) -> Iterator[HotlineAuditRecord]:
    """Every audit record in chain order, read in batches (the log can be long)."""
    last = 0
    while True:
        rows = session.scalars(select(HotlineAuditRecord).where(HotlineAuditRecord.seq > last)
                               .order_by(HotlineAuditRecord.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def audit_for(session: Session, subject_type: str, subject_id: str) -> Sequence[HotlineAuditRecord]:
    return session.scalars(
        select(HotlineAuditRecord).where(HotlineAuditRecord.subject_type == subject_type,
                                         HotlineAuditRecord.subject_id == subject_id)
        .order_by(HotlineAuditRecord.seq)).all()


def add_session(session: Session, record: HotlineSession) -> None:
    session.add(record)
    session.flush()


def get_session(session: Session, token_hash: str) -> HotlineSession | None:
    return session.get(HotlineSession, token_hash)


def delete_session(session: Session, token_hash: str) -> None:
    record = session.get(HotlineSession, token_hash)
    if record is not None:
        session.delete(record)
        session.flush()


def delete_sessions_for(session: Session, analyst_id: int, *,
                        keep_token_hash: str | None = None) -> int:
    """End every session of one analyst (but ``keep_token_hash``); how many ended."""
    statement = delete(HotlineSession).where(HotlineSession.analyst_id == analyst_id)
    if keep_token_hash is not None:
        statement = statement.where(HotlineSession.token_hash != keep_token_hash)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def claim_write(session: Session) -> None:
    """On SQLite, take the write lock now, at the start of a read-then-write transaction.

    A deferred SQLite transaction that reads first and writes later fails at once with
    "database is locked" if another writer committed in between; a write statement as the
    first statement waits for the lock instead (busy timeout). The statement changes
    nothing. Other databases lock rows as they go and need no such step.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE hotline_nonces SET key_id = key_id WHERE 1 = 0"))
