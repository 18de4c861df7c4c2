"""Queries on banks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowsnest.db.models import Bank, BankEntry


def get_by_name(session: Session, name: str) -> Bank | None:
    """The bank called ``name``, or None."""
    return session.scalars(select(Bank).where(Bank.name == name)).one_or_none()


def get_by_id(session: Session, bank_id: int) -> Bank | None:
    """The bank with primary key ``bank_id``, or None."""
    return session.get(Bank, bank_id)


def get_many_by_name(session: Session, names: Iterable[str]) -> dict[str, Bank]:
    """Banks by name for the given names (missing names are simply absent)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    return {b.name: b for b in session.scalars(select(Bank).where(Bank.name.in_(wanted)))}


def list_all(session: Session) -> list[Bank]:
    """Every bank, ordered by name."""
    return list(session.scalars(select(Bank).order_by(Bank.name)))


def add(session: Session, bank: Bank) -> Bank:
    """Insert ``bank`` and flush so it gets its id (IntegrityError on a duplicate name)."""
    session.add(bank)
    session.flush()
    return bank


def delete(session: Session, bank: Bank) -> None:
    """Delete ``bank``; the database cascades the delete to its entries."""
    session.delete(bank)
    session.flush()


def entry_counts(
    session: Session, bank_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """Number of entries per bank and signal type: ``{bank_id: {signal_type: n}}``."""
    query = select(BankEntry.bank_id, BankEntry.signal_type, func.count()).group_by(
        BankEntry.bank_id, BankEntry.signal_type
    )
    if bank_ids is not None:
        query = query.where(BankEntry.bank_id.in_(list(bank_ids)))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for bank_id, signal_type, n in session.execute(query):
        counts[bank_id][signal_type] = n
    return dict(counts)


def max_pdq_threshold(session: Session) -> int | None:
    """Largest per-bank PDQ threshold override among enabled banks (None if none set)."""
    return session.scalar(select(func.max(Bank.pdq_threshold)).where(Bank.enabled))
