"""Everything one service worker holds: database engine, indexes, key verifier, outbox,
intake rate limiter.

Built by ``web.app.create_app`` (and usable by any other long-running process). ``start``
loads the indexes and starts the background threads (change-log polling, outbox
delivery, retention housekeeping); ``stop`` ends them. On SQLite a fresh or old database file is migrated on
start-up so ``crowsnest serve`` needs no set-up; PostgreSQL must be migrated by the
operator (``crowsnest db upgrade``), never silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.config import Settings
from crowsnest.core.ratelimit import RateLimiter
from crowsnest.db.engine import make_engine, make_session_factory
from crowsnest.db.migrate import ensure_schema
from crowsnest.destinations.webhook import WebhookDestination
from crowsnest.services.apikeys import KeyVerifier
from crowsnest.services.housekeeping import Housekeeper
from crowsnest.services.index_snapshots import SnapshotStore, resolve_directory
from crowsnest.services.index_sync import IndexSync
from crowsnest.services.outbox import OutboxWorker
from crowsnest.services.ratelimit import build_limiter

log = logging.getLogger(__name__)


def snapshot_store(settings: Settings, engine: Engine) -> SnapshotStore | None:
    """Where this worker keeps index snapshots (None when the setting turns them off)."""
    directory = resolve_directory(settings.index_dir,
                                  engine.url.render_as_string(hide_password=False))
    return SnapshotStore(directory) if directory is not None else None


@dataclass
class ServiceRuntime:
    """The long-lived parts of one worker."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    index: IndexSync
    keys: KeyVerifier
    outbox: OutboxWorker
    housekeeper: Housekeeper
    limiter: RateLimiter
    started: bool = field(default=False)

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> ServiceRuntime:
        """Wire a runtime for ``settings`` (``engine`` overrides the configured URL)."""
        engine = engine or make_engine(settings.database_url)
        factory = make_session_factory(engine)
        # built first: a production service without its rate-limit secret must not start
        limiter = build_limiter(settings, factory, engine.dialect.name)
        return cls(
            settings=settings, engine=engine, factory=factory,
            index=IndexSync(factory, pdq_threshold=settings.pdq_threshold,
                            stale_after_s=settings.index_stale_after_s,
                            snapshots=snapshot_store(settings, engine),
                            snapshot_interval_s=settings.index_snapshot_interval_s),
            keys=KeyVerifier(factory, ttl_s=settings.api_key_cache_ttl_s),
            outbox=OutboxWorker(
                factory, max_attempts=settings.outbox_max_attempts,
                backoff_base_s=settings.outbox_backoff_base_s,
                backoff_max_s=settings.outbox_backoff_max_s,
                destinations={"webhook": WebhookDestination(settings.webhook_timeout_s)},
            ),
            housekeeper=Housekeeper(
                factory, contact_retention_days=settings.hotline_contact_retention_days,
                ratelimit_retention_s=limiter.retention),
            limiter=limiter,
        )

    def start(self) -> None:
        """Check (SQLite: migrate) the schema, load indexes, start background work."""
        if self.started:
            return
        ensure_schema(self.engine)
        self.index.load()
        if self.settings.run_background_workers:
            self.index.start(self.settings.index_poll_interval_s)
            self.outbox.start(self.settings.outbox_poll_interval_s)
            self.housekeeper.start(self.settings.housekeeping_interval_s)
        self.started = True

    def stop(self) -> None:
        """Stop background work."""
        self.index.stop()
        self.outbox.stop()
        self.housekeeper.stop()
        self.started = False
