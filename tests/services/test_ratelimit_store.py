"""The shared rate-limit store on SQLite and PostgreSQL: semantics, atomicity, purge.

The store commits its own transactions (as it does in the service), so these tests use
their own sessions on the migrated test database and delete their rows afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core.ratelimit import Bucket, ClientKeyer, DerivedSecrets, RateLimiter, take
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.models_ratelimit import RateLimitBucket
from crowsnest.db.repositories import ratelimit as repo
from crowsnest.services.housekeeping import Housekeeper
from crowsnest.services.ratelimit import DatabaseBucketStore

SECRET = b"shared secret of the replicas"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    made = make_session_factory(db_engine)
    yield made
    with unit_of_work(made) as session:
        session.execute(delete(RateLimitBucket))


def rows(factory: sessionmaker[Session]) -> dict[str, tuple[float, float]]:
    with unit_of_work(factory) as session:
        found = session.execute(select(RateLimitBucket.key, RateLimitBucket.tokens,
                                       RateLimitBucket.updated)).all()
    return {key: (tokens, updated) for key, tokens, updated in found}


def limiter(store: DatabaseBucketStore, clock: Clock, capacity: float = 3,
            refill: float = 0.5) -> RateLimiter:
    return RateLimiter(capacity, refill, store=store, clock=clock, purge_every=None,
                       keyer=ClientKeyer(DerivedSecrets(SECRET), clock=clock))


def test_database_store_limits_refills_and_keeps_only_keyed_hashes(
        factory: sessionmaker[Session]) -> None:
    clock = Clock()
    limit = limiter(DatabaseBucketStore(factory), clock)
    assert [limit.check("203.0.113.9").allowed for _ in range(4)] == [True, True, True, False]
    assert limit.check("2001:db8::1").allowed  # another client has its own bucket
    stored = rows(factory)
    assert len(stored) == 2
    assert all("203" not in key and "2001" not in key and len(key) == 32 for key in stored)
    clock.now += 2.0  # one token back at 0.5/s
    assert limit.check("203.0.113.9").allowed
    assert not limit.check("203.0.113.9").allowed


def test_refusal_writes_nothing(factory: sessionmaker[Session]) -> None:
    clock = Clock()
    limit = limiter(DatabaseBucketStore(factory), clock, capacity=1, refill=0.01)
    assert limit.check("198.51.100.7").allowed
    before = rows(factory)
    clock.now += 1
    refused = limit.check("198.51.100.7")
    assert not refused.allowed and refused.retry_after == pytest.approx(99.0)
    assert rows(factory) == before


def test_store_applies_the_core_step_unchanged(factory: sessionmaker[Session]) -> None:
    store = DatabaseBucketStore(factory)
    decision = store.apply("k" * 32, lambda b: take(b, 100.0, 1, 2, 1))
    assert decision.allowed and decision.remaining == 1
    assert rows(factory) == {"k" * 32: (1.0, 100.0)}
    seen: list[Bucket | None] = []

    def spy(bucket: Bucket | None) -> tuple[Bucket | None, object]:
        seen.append(bucket)
        return take(bucket, 100.5, 1, 2, 1)

    store.apply("k" * 32, spy)  # type: ignore[arg-type]
    assert seen[-1] == Bucket(1.0, 100.0)  # the stored state reached the algorithm as is
    assert rows(factory) == {"k" * 32: (0.5, 100.5)}


def test_two_engines_hammering_one_key_never_exceed_the_burst(db_engine: Engine,
                                                              factory: sessionmaker[Session]) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]
    capacity, allowed, errors = 10, [], []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def hammer(engine: Engine) -> None:
        # each thread is a "worker" with its own limiter: only the store is shared
        limit = RateLimiter(capacity, 1e-6, purge_every=None,
                            store=DatabaseBucketStore(make_session_factory(engine)),
                            keyer=ClientKeyer(DerivedSecrets(SECRET)))
        start.wait()
        try:
            for _ in range(6):
                if limit.check("203.0.113.50").allowed:
                    with lock:
                        allowed.append(1)
        except Exception as error:  # surfaced below: a lock failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(engines[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in engines:
        engine.dispose()
    assert not errors
    assert len(allowed) == capacity  # 48 attempts, exactly the burst went through
    (tokens, _), = rows(factory).values()
    assert tokens < 1


def test_housekeeper_purges_idle_buckets(factory: sessionmaker[Session]) -> None:
    now = datetime(2027, 1, 15, 12, 0, tzinfo=timezone.utc).timestamp()
    with unit_of_work(factory) as session:
        repo.insert_if_absent(session, "a" * 32, 1.0, now - 7200)  # idle for two hours
        repo.insert_if_absent(session, "b" * 32, 1.0, now - 60)
    keeper = Housekeeper(factory, contact_retention_days=30, ratelimit_retention_s=3600)
    keeper.run_once(datetime.fromtimestamp(now, timezone.utc))
    assert set(rows(factory)) == {"b" * 32}
    with unit_of_work(factory) as session:
        assert repo.purge_older_than(session, now) == 1
        assert repo.count(session) == 0
