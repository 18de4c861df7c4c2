"""Queries on the change log that service workers replay into their in-memory indexes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crowsnest.db.models import Bank, BankEntry
from crowsnest.db.models_service import ChangeLog


def latest_id(session: Session) -> int:
    """The newest change id (0 for an empty log)."""
    return int(session.scalar(select(func.max(ChangeLog.id))) or 0)


def prune(session: Session, before: datetime) -> int:
    """Delete changes older than ``before`` (keeping the newest row, the id watermark).

    Only a prefix of ids is ever deleted (everything up to the newest id older than
    ``before``), so "change N is still in the log" proves that every change after N is
    too -- which is how an index snapshot taken at change N knows it can be caught up.
    """
    newest = latest_id(session)
    cutoff = session.scalar(select(func.max(ChangeLog.id)).where(ChangeLog.created_at < before))
    if cutoff is None:
        return 0
    result = session.execute(delete(ChangeLog).where(ChangeLog.id <= int(cutoff),
                                                     ChangeLog.id < newest))
    return int(getattr(result, "rowcount", 0) or 0)  # a CursorResult for DML


def fingerprint(session: Session, change_id: int) -> str | None:
    """A digest of change ``change_id`` (id, time, operation, target), None if not logged.

    An index snapshot records the fingerprint of its watermark; the same fingerprint in a
    database proves it is the database (and the history) the snapshot was taken from: a
    different database, or one restored from an older backup, has a different row there.
    """
    row = session.get(ChangeLog, change_id)
    if row is None:
        return None
    created = row.created_at.replace(tzinfo=None).isoformat() if row.created_at else ""
    text = f"{row.id}|{created}|{row.op}|{row.bank_id}|{row.entry_id}|{row.signal_type}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def since(session: Session, after_id: int, limit: int) -> list[ChangeLog]:
    """Up to ``limit`` changes with ids above ``after_id``, oldest first."""
    query = select(ChangeLog).where(ChangeLog.id > after_id).order_by(ChangeLog.id).limit(limit)
    rows = list(session.scalars(query))
    for row in rows:
        session.expunge(row)
    return rows


def entry_states(
    session: Session, entry_ids: Iterable[int]
) -> dict[int, tuple[str, str, bool]]:
    """``{entry_id: (signal_type, value, matchable)}`` for entries that still exist."""
    ids = sorted(set(entry_ids))
    out: dict[int, tuple[str, str, bool]] = {}
    for start in range(0, len(ids), 1_000):
        query = (
            select(BankEntry.id, BankEntry.signal_type, BankEntry.value,
                   BankEntry.enabled, Bank.enabled)
            .join(Bank, Bank.id == BankEntry.bank_id)
            .where(BankEntry.id.in_(ids[start:start + 1_000]))
        )
        for entry_id, signal_type, value, entry_on, bank_on in session.execute(query):
            out[entry_id] = (signal_type, value, bool(entry_on and bank_on))
    return out


def bank_entries(session: Session, bank_id: int) -> Iterator[tuple[int, str, str, bool]]:
    """Stream ``(entry_id, signal_type, value, matchable)`` of every entry of one bank."""
    query = (
        select(BankEntry.id, BankEntry.signal_type, BankEntry.value,
               BankEntry.enabled, Bank.enabled)
        .join(Bank, Bank.id == BankEntry.bank_id)
        .where(BankEntry.bank_id == bank_id)
        .order_by(BankEntry.id)
    )
    for entry_id, signal_type, value, entry_on, bank_on in session.execute(
        query.execution_options(yield_per=5_000)
    ):
        yield entry_id, signal_type, value, bool(entry_on and bank_on)
