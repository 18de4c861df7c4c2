"""Bank actions (what happens when a bank matches) and the match events they enqueue.

A bank can carry named actions, each a destination plug-in and its target (for now the
built-in ``webhook``: a signed POST telling the platform to quarantine or review). When a
match request finds hits, :func:`enqueue_match_events` writes one outbox message per
(matched bank, enabled action) in the request's own transaction, so the event exists if
and only if the request committed; the outbox worker delivers it with retries.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crowsnest.core.errors import Conflict, InvalidInput, NotFound
from crowsnest.db.models import utcnow
from crowsnest.db.models_service import BankAction
from crowsnest.db.repositories import actions as repo
from crowsnest.services import outbox
from crowsnest.services.banks import require_bank
from crowsnest.services.matching import MatchItem

MATCH_EVENT = "match"
MAX_NAME = 100


@dataclass(frozen=True)
class ActionInfo:
    """An action as the API shows it (secrets masked)."""

    name: str
    bank: str
    destination: str
    target: dict[str, Any]
    enabled: bool
    created_at: datetime
    created_by: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["created_at"] = self.created_at.isoformat()
        return out


def _masked(target: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in ("secret", "password", "token") else v) for k, v in target.items()}


def _info(action: BankAction, bank: str) -> ActionInfo:
    return ActionInfo(action.name, bank, action.destination, _masked(dict(action.target)),
                      action.enabled, action.created_at, action.created_by)


def add_action(
    session: Session, bank: str, name: str, destination_name: str, target: dict[str, Any],
    *, enabled: bool = True, actor: str | None = None,
) -> ActionInfo:
    """Attach an action to a bank; the target is validated by its destination plug-in."""
    row = require_bank(session, bank)
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise InvalidInput(f"an action name is 1 to {MAX_NAME} characters")
    name = name.strip()
    canonical = outbox.destination(destination_name).validate_target(target)
    if repo.get(session, row.id, name) is not None:
        raise Conflict(f"bank {bank!r} already has an action named {name!r}")
    try:
        with session.begin_nested():
            action = repo.add(session, BankAction(
                bank_id=row.id, name=name, destination=destination_name, target=canonical,
                enabled=enabled, created_by=actor,
            ))
    except IntegrityError as error:
        raise Conflict(f"bank {bank!r} already has an action named {name!r}") from error
    return _info(action, row.name)


def list_actions(session: Session, bank: str) -> list[ActionInfo]:
    """The actions of one bank."""
    row = require_bank(session, bank)
    return [_info(a, row.name) for a in repo.for_bank(session, row.id)]


def delete_action(session: Session, bank: str, name: str) -> ActionInfo:
    """Remove one action."""
    row = require_bank(session, bank)
    action = repo.get(session, row.id, name)
    if action is None:
        raise NotFound(f"bank {bank!r} has no action named {name!r}")
    result = _info(action, row.name)
    repo.delete(session, action)
    return result


def enqueue_match_events(
    session: Session, matches: Sequence[MatchItem], content: dict[str, Any], *,
    actor: str | None = None, request_id: str | None = None,
) -> list[int]:
    """One outbox message per matched bank and enabled action; returns message ids."""
    if not matches:
        return []
    by_bank: dict[str, list[MatchItem]] = defaultdict(list)
    for item in matches:
        by_bank[item.bank].append(item)
    event_id = request_id or uuid.uuid4().hex
    ids = []
    for bank, action in repo.enabled_for_banks(session, by_bank):
        key = f"{MATCH_EVENT}:{event_id}:{action.id}"
        payload = {
            "event": MATCH_EVENT, "event_id": event_id, "bank": bank, "action": action.name,
            "occurred_at": utcnow().isoformat(), "requested_by": actor,
            "content": content, "matches": [m.to_dict() for m in by_bank[bank]],
        }
        message = outbox.enqueue(session, key=key, kind=MATCH_EVENT,
                                 destination_name=action.destination,
                                 target=dict(action.target), payload=payload)
        ids.append(message.id)
    return ids


def audit(session: Session, actor: str, action: str, target: str, **detail: Any) -> None:
    """Record who changed what (every curation change through the API calls this)."""
    repo.audit(session, actor, action, target, detail)


def audit_page(session: Session, limit: int = 100, before_id: int | None = None) -> list[dict[str, Any]]:
    """Newest audit entries first, JSON-ready."""
    return [{"id": e.id, "at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "target": e.target, "detail": e.detail}
            for e in repo.audit_page(session, limit, before_id)]
