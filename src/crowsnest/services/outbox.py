"""The outbox: store a message first, deliver it later, retry until it goes through.

Any part of crowsnest that must tell the outside world something (a match webhook, a
hotline forward, a notice) calls :func:`enqueue` inside the same transaction as the
change that causes it. If that transaction rolls back, nothing is sent; if it commits,
the message is durable and the :class:`OutboxWorker` delivers it through the
destination plug-in named in the message, with exponential backoff and jitter between
attempts, until it is delivered or runs out of attempts ("dead"). A restart loses
nothing: leased messages become due again when their lease ends.

The ``key`` is an idempotency key: enqueueing the same key twice stores one message,
and destinations pass it on (webhooks send it as ``Idempotency-Key``).
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core import registry
from crowsnest.core.errors import InvalidInput, NotFound
from crowsnest.db.engine import unit_of_work
from crowsnest.db.models import utcnow
from crowsnest.db.models_service import (
    OUTBOX_DEAD,
    OUTBOX_DELIVERED,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_STATUSES,
    OutboxMessage,
)
from crowsnest.db.repositories import outbox as repo
from crowsnest.destinations.base import Delivery, DeliveryResult, Destination
from crowsnest.services.telemetry import delivery_attempted

log = logging.getLogger(__name__)
MAX_KEY = 200
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class OutboxInfo:
    """A message's delivery state as callers see it (the target's secrets left out)."""

    id: int
    key: str
    kind: str
    destination: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        for name in ("next_attempt_at", "created_at", "delivered_at"):
            value = out[name]
            out[name] = value.isoformat() if value is not None else None
        return out


def info(message: OutboxMessage) -> OutboxInfo:
    """View of an outbox row."""
    done = message.status in (OUTBOX_DELIVERED, OUTBOX_DEAD)
    return OutboxInfo(
        message.id, message.key, message.kind, message.destination, message.status,
        message.attempts, None if done else message.next_attempt_at, message.last_error,
        message.created_at, message.delivered_at, dict(message.payload or {}),
    )


def destination(name: str) -> Destination:
    """The destination plug-in registered as ``name`` (InvalidInput if there is none)."""
    try:
        found = registry.get(registry.DESTINATIONS, name)
    except Exception:  # the registry raises a generic error for this group
        raise InvalidInput(f"unknown destination {name!r}") from None
    return found  # type: ignore[no-any-return]


def enqueue(
    session: Session, *, key: str, kind: str, destination_name: str,
    target: dict[str, Any], payload: dict[str, Any], not_before: datetime | None = None,
) -> OutboxInfo:
    """Store a message for delivery (flush only; the caller's transaction commits it).

    ``target`` is validated by the destination plug-in now, so a bad configuration fails
    the caller's request instead of a delivery later. Enqueueing an existing ``key``
    changes nothing and returns the stored message.
    """
    if not isinstance(key, str) or not key or len(key) > MAX_KEY:
        raise InvalidInput(f"an outbox key is a non-empty string of at most {MAX_KEY} characters")
    canonical = destination(destination_name).validate_target(target)
    now = utcnow()
    repo.insert_if_absent(session, {
        "key": key, "kind": kind, "destination": destination_name, "target": canonical,
        "payload": payload, "status": OUTBOX_PENDING, "attempts": 0,
        "next_attempt_at": not_before or now, "created_at": now,
    })
    session.flush()
    stored = repo.get_by_key(session, key)
    assert stored is not None
    return info(stored)


def get_message(session: Session, message_id: int) -> OutboxInfo:
    """One message by id; NotFound otherwise."""
    message = repo.get(session, message_id)
    if message is None:
        raise NotFound(f"no outbox message with id {message_id}")
    return info(message)


def list_messages(
    session: Session, *, status: str | None = None, kind: str | None = None,
    key_prefix: str | None = None, limit: int = 100, before_id: int | None = None,
) -> list[OutboxInfo]:
    """Newest messages first; ``status`` one of pending/failed/delivered/dead."""
    if status is not None and status not in OUTBOX_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(OUTBOX_STATUSES)}")
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit must be between 1 and 1000")
    rows = repo.list_page(session, status=status, kind=kind, key_prefix=key_prefix,
                          limit=limit, before_id=before_id)
    return [info(r) for r in rows]


def backoff(attempt: int, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Delay before attempt ``attempt + 1``: exponential, capped, with full jitter.

    Full jitter (a uniform draw up to the exponential bound) spreads the retries of many
    messages that failed together, so a recovering receiver is not hit by a thundering herd.
    """
    bound = min(max_s, base_s * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(bound / 2, bound)


class OutboxWorker:
    """Claims due messages and delivers them; one per process is enough."""

    def __init__(
        self, factory: sessionmaker[Session], *, max_attempts: int = 8,
        backoff_base_s: float = 2.0, backoff_max_s: float = 3600.0, batch: int = 20,
        destinations: dict[str, Destination] | None = None,
    ) -> None:
        self.factory = factory
        self.max_attempts = max_attempts
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        self.batch = batch
        self.destinations = destinations or {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _destination(self, name: str) -> Destination:
        return self.destinations.get(name) or destination(name)

    def run_once(self) -> int:
        """Deliver every message due now; returns how many attempts were made."""
        now = utcnow()
        with unit_of_work(self.factory) as session:
            ids = repo.claim_due(session, now, now + LEASE, self.batch)
        for message_id in ids:
            self._attempt(message_id)
        return len(ids)

    def _attempt(self, message_id: int) -> None:
        with unit_of_work(self.factory) as session:
            message = repo.get(session, message_id)
            if message is None or message.status in (OUTBOX_DELIVERED, OUTBOX_DEAD):
                return
            delivery = Delivery(message.key, message.kind, dict(message.payload),
                                dict(message.target), message.attempts + 1)
            name = message.destination
        try:
            result = self._destination(name).deliver(delivery)
        except Exception as error:  # a plug-in must not raise; treat it as retryable
            log.exception("destination %s raised while delivering %s", name, delivery.key)
            result = DeliveryResult(ok=False, retryable=True, detail=f"plug-in error: {error}")
        self._record(message_id, delivery.attempt, name, result)

    def _record(self, message_id: int, attempt: int, name: str, result: DeliveryResult) -> None:
        now = utcnow()
        values: dict[str, Any] = {"attempts": attempt}
        if result.ok:
            values.update(status=OUTBOX_DELIVERED, delivered_at=now, last_error=None)
            outcome = "delivered"
        elif not result.retryable or attempt >= self.max_attempts:
            values.update(status=OUTBOX_DEAD, last_error=result.detail[:2000])
            outcome = "dead"
        else:
            delay = backoff(attempt, self.backoff_base_s, self.backoff_max_s)
            values.update(status=OUTBOX_FAILED, last_error=result.detail[:2000],
                          next_attempt_at=now + timedelta(seconds=delay))
            outcome = "retry"
        with unit_of_work(self.factory) as session:
            repo.record(session, message_id, **values)
        delivery_attempted(name, outcome)

    def start(self, interval_s: float) -> None:
        """Run :meth:`run_once` every ``interval_s`` seconds in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    while self.run_once() and not self._stop.is_set():
                        pass  # keep going while there is a backlog
                except Exception:  # keep the worker alive through database hiccups
                    log.exception("outbox worker round failed")
                self._stop.wait(interval_s)

        self._thread = threading.Thread(target=loop, name="crowsnest-outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (waits for the current round)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
