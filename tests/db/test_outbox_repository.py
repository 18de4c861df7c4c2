"""The outbox insert is idempotent by key and says truthfully whether it inserted."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crowsnest.db.models import utcnow
from crowsnest.db.repositories import outbox


def test_insert_if_absent_reports_a_duplicate_key(db_session: Session) -> None:
    values = {"key": "dup-key-1", "kind": "match", "destination": "webhook", "target": {},
              "payload": {"n": 1}, "status": "pending", "attempts": 0,
              "next_attempt_at": utcnow(), "created_at": utcnow()}
    assert outbox.insert_if_absent(db_session, values) is True
    assert outbox.insert_if_absent(db_session, {**values, "payload": {"n": 2}}) is False
    stored = outbox.get_by_key(db_session, "dup-key-1")
    assert stored is not None and stored.payload == {"n": 1}
