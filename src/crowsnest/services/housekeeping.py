"""Retention work a running service does on its own: nothing waits for an operator's cron.

Reporter contact addresses are deleted once the retention period has passed
(``hotline_contact_retention_days``), expired forward nonces are dropped, and shared
rate-limit buckets (keyed hashes) idle for longer than their retention are deleted. Every
worker may run this; each round is one idempotent delete, so running it twice is harmless.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from crowsnest.db.engine import unit_of_work
from crowsnest.services import hotline_inbound, hotline_intake, ratelimit

log = logging.getLogger(__name__)


class Housekeeper:
    """Applies the retention limits every ``interval_s`` seconds in a daemon thread."""

    def __init__(self, factory: sessionmaker[Session], *, contact_retention_days: int,
                 ratelimit_retention_s: float = 24 * 3600) -> None:
        self.factory = factory
        self.contact_retention_days = contact_retention_days
        self.ratelimit_retention_s = ratelimit_retention_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, now: datetime | None = None) -> int:
        """One round; returns how many contact addresses were deleted."""
        with unit_of_work(self.factory) as session:
            purged = hotline_intake.purge_contacts(session, self.contact_retention_days, now)
            hotline_inbound.purge_nonces(session)
            buckets = ratelimit.purge_buckets(session, self.ratelimit_retention_s,
                                              now.timestamp() if now else None)
        if purged:
            log.info("deleted %d reporter contact address(es) past retention", purged)
        if buckets:
            log.debug("forgot %d idle rate-limit key(s)", buckets)
        return purged

    def start(self, interval_s: float) -> None:
        """Run :meth:`run_once` now and then every ``interval_s`` seconds."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:  # a database hiccup must not end retention for good
                    log.exception("housekeeping round failed")
                self._stop.wait(interval_s)

        self._thread = threading.Thread(target=loop, name="crowsnest-housekeeping",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
