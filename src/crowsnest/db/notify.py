"""Wake index pollers at once on PostgreSQL: LISTEN for the change-log trigger's NOTIFY.

The triggers of migration ``0002_service`` call ``pg_notify('crowsnest_changes', '')``;
PostgreSQL delivers it when the changing transaction commits (identical notifications
of one transaction are folded into one, so a million-row import sends one). A worker
waiting here polls the change log right away instead of at its next tick. Polling stays
the safety net: a lost connection only means changes arrive at polling speed again.
"""

from __future__ import annotations

import logging

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)
CHANNEL = "crowsnest_changes"


class ChangeListener:
    """A dedicated autocommit connection that LISTENs on :data:`CHANNEL`."""

    def __init__(self, engine: Engine) -> None:
        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection = psycopg.connect(url, autocommit=True)
        self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout_s: float) -> bool:
        """Block until a notification arrives (True) or ``timeout_s`` passes (False)."""
        for _ in self.connection.notifies(timeout=timeout_s, stop_after=1):
            return True
        return False

    def close(self) -> None:
        """Close the listening connection."""
        try:
            self.connection.close()
        except psycopg.Error:
            pass


def listener_for(engine: Engine) -> ChangeListener | None:
    """A listener on PostgreSQL, None elsewhere or when it cannot connect."""
    if engine.dialect.name != "postgresql":
        return None
    try:
        return ChangeListener(engine)
    except psycopg.Error as error:
        log.warning("cannot LISTEN for changes (%s); polling only", error)
        return None
