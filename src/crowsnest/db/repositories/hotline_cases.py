"""Queries on hotline cases, their items, messages and inbound forwards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crowsnest.db.models_hotline import (
    HotlineCase,
    HotlineCaseItem,
    HotlineInbound,
    HotlineMessage,
    HotlineNonce,
    HotlineReport,
)

MAX_PAGE = 500


def get(session: Session, case_id: int, *, for_update: bool = False) -> HotlineCase | None:
    if for_update:
        return session.scalars(
            select(HotlineCase).where(HotlineCase.id == case_id).with_for_update()).one_or_none()
    return session.get(HotlineCase, case_id)


def list_cases(session: Session, *, statuses: Sequence[str] = (), country: str | None = None,
               untraced: bool = False, assignee_id: int | None = None,
               unassigned: bool = False, check_due_by: datetime | None = None,
               limit: int = 100, offset: int = 0) -> Sequence[HotlineCase]:
    """Cases by filters: statuses, hosting country (or none traced yet), assignee (or
    none), and a removal check scheduled at or before ``check_due_by``."""
    query = select(HotlineCase)
    if statuses:
        query = query.where(HotlineCase.status.in_(list(statuses)))
    if country:
        query = query.where(HotlineCase.hosting_country == country)
    if untraced:
        query = query.where(HotlineCase.hosting_country.is_(None))
    if check_due_by is not None:
        query = query.where(HotlineCase.removal_check_at <= check_due_by)
    if assignee_id is not None:
        query = query.where(HotlineCase.assignee_id == assignee_id)
    if unassigned:
        query = query.where(HotlineCase.assignee_id.is_(None))
    query = query.order_by(HotlineCase.first_reported_at, HotlineCase.id)
    return session.scalars(query.limit(min(limit, MAX_PAGE)).offset(offset)).all()


def count_by(session: Session, column_name: str) -> dict[str | None, int]:
    column = getattr(HotlineCase, column_name)
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {row[0]: int(row[1]) for row in rows}


def all_cases(session: Session) -> Sequence[HotlineCase]:
    return session.scalars(select(HotlineCase).order_by(HotlineCase.id)).all()


def cases_reported_since(session: Session, since: datetime) -> Sequence[HotlineCase]:
    """Cases first reported at or after ``since``, oldest first."""
    query = (select(HotlineCase).where(HotlineCase.first_reported_at >= since)
             .order_by(HotlineCase.first_reported_at))
    return session.scalars(query).all()


def report_times_since(session: Session, since: datetime) -> list[datetime]:
    """When each report received at or after ``since`` arrived (for a per-day series)."""
    query = select(HotlineReport.received_at).where(HotlineReport.received_at >= since)
    return list(session.scalars(query))


def add_item(session: Session, item: HotlineCaseItem) -> HotlineCaseItem:
    session.add(item)
    session.flush()
    return item


def items(session: Session, case_id: int) -> Sequence[HotlineCaseItem]:
    return session.scalars(select(HotlineCaseItem).where(HotlineCaseItem.case_id == case_id)
                           .order_by(HotlineCaseItem.id)).all()


def add_message(session: Session, message: HotlineMessage) -> HotlineMessage:
    session.add(message)
    session.flush()
    return message


def messages(session: Session, case_id: int) -> Sequence[HotlineMessage]:
    return session.scalars(select(HotlineMessage).where(HotlineMessage.case_id == case_id)
                           .order_by(HotlineMessage.id)).all()


def message_by_key(session: Session, key: str) -> HotlineMessage | None:
    return session.scalars(select(HotlineMessage).where(HotlineMessage.outbox_key == key)).one_or_none()


def inbound_by_key(session: Session, key: str) -> HotlineInbound | None:
    return session.scalars(
        select(HotlineInbound).where(HotlineInbound.delivery_key == key)).one_or_none()


def add_inbound(session: Session, inbound: HotlineInbound) -> bool:
    """Insert an inbound forward; False if its delivery key is already stored."""
    try:
        with session.begin_nested():
            session.add(inbound)
            session.flush()
        return True
    except IntegrityError:
        return False


def add_nonce(session: Session, key_id: str, nonce: str, expires_at: datetime, now: datetime
              ) -> bool:
    """Remember a nonce; False if it is known and not expired (a replay)."""
    existing = session.get(HotlineNonce, (key_id, nonce))
    if existing is not None:
        if existing.expires_at > now:
            return False
        existing.expires_at = expires_at
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(HotlineNonce(key_id=key_id, nonce=nonce, expires_at=expires_at))
            session.flush()
        return True
    except IntegrityError:
        return False


def purge_nonces(session: Session, now: datetime) -> None:
    session.query(HotlineNonce).filter(HotlineNonce.expires_at <= now).delete()
