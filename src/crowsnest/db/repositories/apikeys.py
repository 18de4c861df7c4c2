"""Queries on API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crowsnest.db.models_service import ApiKey


def add(session: Session, key: ApiKey) -> ApiKey:
    """Insert ``key`` and flush (IntegrityError on a duplicate name or id)."""
    session.add(key)
    session.flush()
    return key


def get_by_key_id(session: Session, key_id: str) -> ApiKey | None:
    """The key with public id ``key_id``, or None."""
    return session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one_or_none()


def get_by_name(session: Session, name: str) -> ApiKey | None:
    """The key called ``name``, or None."""
    return session.scalars(select(ApiKey).where(ApiKey.name == name)).one_or_none()


def list_all(session: Session) -> list[ApiKey]:
    """Every key (revoked ones too), oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def touch(session: Session, key_pk: int, when: datetime) -> None:
    """Record that a key was used."""
    session.execute(update(ApiKey).where(ApiKey.id == key_pk).values(last_used_at=when))
