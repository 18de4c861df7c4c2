"""The intake rate limiter a service worker uses, built from the settings.

Two backends share one algorithm (``core.ratelimit.take``): buckets in memory (one
process) or in the database (``hotline_ratelimit``), where every worker and replica draws
from the same bucket. With the database backend all replicas must also key a client alike,
so the period secret is derived from the operator's ``hotline_ratelimit_secret``; outside
dev a service refuses to start without it. Each bucket change is its own short
transaction, committed before the report is written: a refused request stores nothing,
and a report that fails validation still counts against its sender.
"""

from __future__ import annotations

import secrets
import time

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.config import Settings
from crowsnest.core.errors import ConfigurationError
from crowsnest.core.ratelimit import (
    Bucket,
    ClientKeyer,
    DerivedSecrets,
    RandomRotatingSecrets,
    Decision,
    RateLimiter,
    SecretSource,
    Step,
)
from crowsnest.db.engine import normalise_url, unit_of_work
from crowsnest.db.repositories import ratelimit as repo

MIN_SECRET_CHARS = 16


class DatabaseBucketStore:
    """Buckets in the ``hotline_ratelimit`` table; ``apply`` is one atomic transaction."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def apply(self, key: str, step: Step) -> Decision:
        with unit_of_work(self.factory) as session:
            repo.begin_round(session)
            current = repo.lock(session, key)
            if current is None:
                fresh, decision = step(None)
                if fresh is None or repo.insert_if_absent(session, key, fresh.tokens,
                                                          fresh.updated):
                    return decision  # a new client: its full bucket, less this request
                current = repo.lock(session, key)  # another worker inserted it just now
            bucket, decision = step(Bucket(*current) if current is not None else None)
            if bucket is not None:
                if current is None:  # purged between the insert attempt and the read
                    repo.insert_if_absent(session, key, bucket.tokens, bucket.updated)
                else:
                    repo.store(session, key, bucket.tokens, bucket.updated)
            return decision

    def purge_older_than(self, cutoff: float) -> int:
        with unit_of_work(self.factory) as session:
            return repo.purge_older_than(session, cutoff)


def backend(settings: Settings, dialect: str | None = None) -> str:
    """The backend in use: the setting, with 'auto' resolved (database on PostgreSQL).

    ``dialect`` is the database actually used (default: the one ``database_url`` names).
    """
    if settings.hotline_ratelimit_backend != "auto":
        return settings.hotline_ratelimit_backend
    if dialect is None:
        dialect = make_url(normalise_url(settings.database_url)).get_backend_name()
    return "database" if dialect == "postgresql" else "memory"


def check_settings(settings: Settings, dialect: str | None = None) -> None:
    """Refuse settings a shared limiter cannot run safely with."""
    secret = settings.hotline_ratelimit_secret
    if secret is not None and len(secret) < MIN_SECRET_CHARS:
        raise ConfigurationError(f"hotline_ratelimit_secret must be at least "
                                 f"{MIN_SECRET_CHARS} characters")
    if secret is None and settings.environment != "dev" and \
            backend(settings, dialect) == "database":
        raise ConfigurationError(
            "the database rate-limit backend needs a shared secret outside dev: set "
            "CROWSNEST_HOTLINE_RATELIMIT_SECRET to the same random value (16+ characters) on "
            "every replica, or set CROWSNEST_HOTLINE_RATELIMIT_BACKEND=memory")


def secret_source(settings: Settings) -> SecretSource:
    """Derived from the operator's secret when set; random per process otherwise."""
    if settings.hotline_ratelimit_secret:
        return DerivedSecrets(settings.hotline_ratelimit_secret.encode("utf-8"))
    return RandomRotatingSecrets()


def build_limiter(settings: Settings, factory: sessionmaker[Session],
                  dialect: str | None = None) -> RateLimiter:
    """The intake limiter for ``settings`` (checked first; raises ConfigurationError)."""
    check_settings(settings, dialect)
    keyer = ClientKeyer(secret_source(settings), settings.hotline_ratelimit_rotation_s)
    capacity, refill = settings.hotline_intake_burst, settings.hotline_intake_per_minute / 60
    if backend(settings, dialect) == "database":
        # the service's housekeeping purges the shared table, not each request
        return RateLimiter(capacity, refill, keyer=keyer, store=DatabaseBucketStore(factory),
                           retention_seconds=settings.hotline_ratelimit_retention_s,
                           purge_every=None)
    return RateLimiter(capacity, refill, keyer=keyer,
                       retention_seconds=settings.hotline_ratelimit_retention_s)


def worker_environment(settings: Settings, workers: int) -> dict[str, str]:
    """Environment ``crowsnest serve`` gives its workers so that they share one limit.

    Several workers on 'auto' use the database backend. In dev without a configured
    secret, one random secret is drawn here for all of them (production must configure
    it: :func:`check_settings`).
    """
    env: dict[str, str] = {}
    if workers > 1 and settings.hotline_ratelimit_backend == "auto":
        env["CROWSNEST_HOTLINE_RATELIMIT_BACKEND"] = "database"
    shared = settings.model_copy(update={"hotline_ratelimit_backend": env.get(
        "CROWSNEST_HOTLINE_RATELIMIT_BACKEND", settings.hotline_ratelimit_backend)})
    check_settings(shared)
    if workers > 1 and backend(shared) == "database" and not settings.hotline_ratelimit_secret:
        env["CROWSNEST_HOTLINE_RATELIMIT_SECRET"] = secrets.token_urlsafe(32)
    return env


def purge_buckets(session: Session, retention_s: float, now: float | None = None) -> int:
    """Delete shared buckets idle for longer than ``retention_s`` (flush only); how many."""
    return repo.purge_older_than(session, (time.time() if now is None else now) - retention_s)
