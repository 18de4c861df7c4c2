"""Queries on bank actions, bank service settings and the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from crowsnest.db.models import Bank
from crowsnest.db.models_service import AuditEntry, BankAction, BankSettings


def add(session: Session, action: BankAction) -> BankAction:
    """Insert an action and flush (IntegrityError on a duplicate name in the bank)."""
    session.add(action)
    session.flush()
    return action


def for_bank(session: Session, bank_id: int) -> list[BankAction]:
    """The actions of one bank, by name."""
    return list(session.scalars(
        select(BankAction).where(BankAction.bank_id == bank_id).order_by(BankAction.name)
    ))


def get(session: Session, bank_id: int, name: str) -> BankAction | None:
    """One action of a bank by name, or None."""
    return session.scalars(
        select(BankAction).where(BankAction.bank_id == bank_id, BankAction.name == name)
    ).one_or_none()


def enabled_for_banks(session: Session, bank_names: Iterable[str]) -> list[tuple[str, BankAction]]:
    """``(bank name, action)`` for the enabled actions of the named banks."""
    names = sorted(set(bank_names))
    if not names:
        return []
    query = (
        select(Bank.name, BankAction).join(Bank, Bank.id == BankAction.bank_id)
        .where(Bank.name.in_(names), BankAction.enabled).order_by(Bank.name, BankAction.name)
    )
    return [(name, action) for name, action in session.execute(query)]


def delete(session: Session, action: BankAction) -> None:
    """Remove an action."""
    session.delete(action)
    session.flush()


def ratios(session: Session, bank_ids: Iterable[int] | None = None) -> dict[int, float]:
    """Enabled ratios of banks that have a settings row (others use 1.0)."""
    query = select(BankSettings.bank_id, BankSettings.enabled_ratio)
    if bank_ids is not None:
        query = query.where(BankSettings.bank_id.in_(sorted(set(bank_ids))))
    return {bank_id: float(ratio) for bank_id, ratio in session.execute(query)}


def set_ratio(session: Session, bank_id: int, ratio: float) -> None:
    """Store a bank's enabled ratio."""
    row = session.get(BankSettings, bank_id)
    if row is None:
        session.add(BankSettings(bank_id=bank_id, enabled_ratio=ratio))
    else:
        row.enabled_ratio = ratio
    session.flush()


def audit(session: Session, actor: str, action: str, target: str, detail: dict | None = None) -> None:
    """Append one audit entry."""
    session.add(AuditEntry(actor=actor, action=action, target=target[:400], detail=detail or {}))
    session.flush()


def audit_page(session: Session, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
    """Newest audit entries first."""
    query = select(AuditEntry)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
