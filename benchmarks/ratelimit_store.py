"""Cost of one intake rate-limit check per backend: memory vs the shared database store.

Runs ``RateLimiter.check`` for a bounded time per store over 1,000 client addresses (so
most checks update an existing bucket, as under steady load), on a fresh SQLite file
and, if reachable, a scratch PostgreSQL database. Baseline: the memory store, measured in
the same run; the database figures are printed as ratios of it. Each database check is
its own committed transaction (see services/ratelimit.py).

    python benchmarks/ratelimit_store.py --seconds 5 [--postgres postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from crowsnest.core.ratelimit import ClientKeyer, DerivedSecrets, RateLimiter
from crowsnest.db.engine import make_engine, make_session_factory
from crowsnest.db.migrate import upgrade
from crowsnest.services.ratelimit import DatabaseBucketStore

SCRATCH = "crowsnest_bench_ratelimit"


def rate(limiter: RateLimiter, seconds: float) -> float:
    """Checks per second over ``seconds`` of wall time."""
    start, done = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        limiter.check(f"10.1.{done % 40}.{done % 25}")
        done += 1
    return done / (time.perf_counter() - start)


def limiter(store: DatabaseBucketStore | None) -> RateLimiter:
    # a limit nobody reaches: every check takes a token and writes the bucket back
    return RateLimiter(1e12, 1.0, store=store, purge_every=None,
                       keyer=ClientKeyer(DerivedSecrets(b"benchmark secret " * 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    baseline = rate(limiter(None), args.seconds)
    print(f"memory store (baseline): {baseline:,.0f} checks/s")
    urls = [f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"]
    admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{SCRATCH}"'))
        urls.append(make_url(args.postgres).set(database=SCRATCH).render_as_string(False))
    except Exception as error:  # no PostgreSQL here: measure SQLite only
        print(f"PostgreSQL skipped: {error}")
    for url in urls:
        engine = make_engine(url)
        upgrade(engine)
        found = rate(limiter(DatabaseBucketStore(make_session_factory(engine))), args.seconds)
        print(f"database store, {engine.dialect.name}: {found:,.0f} checks/s "
              f"({baseline / found:,.0f}x the memory store's time per check)")
        engine.dispose()
    if len(urls) > 1:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    main()
