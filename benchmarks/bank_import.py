"""Benchmark: hash-list import into a bank and index build, on SQLite and PostgreSQL.

Baseline (same run): reading the same list through the csv format reader alone, with no
database -- so the ratios show what storage adds. Usage:

    python benchmarks/bank_import.py [ROWS] [--postgres URL]

PostgreSQL is skipped unless ``--postgres`` names a server URL (a scratch database
``crowsnest_bench_import`` is created there and dropped afterwards).
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.formats import get_format
from crowsnest.services import banks, hashlists
from crowsnest.services.matching import Matcher

BENCH_DB = "crowsnest_bench_import"


def make_list(rows: int) -> bytes:
    rng = random.Random(1)
    lines = (f"pdq,{rng.getrandbits(256):064x},bench:{i % 7}\n" for i in range(rows))
    return ("signal_type,value,labels\n" + "".join(lines)).encode()


def parse_only(data: bytes) -> float:
    start = time.perf_counter()
    for row in get_format("csv").read(io.BytesIO(data)):
        row.unwrap()
    return time.perf_counter() - start


def run_backend(url: str, data: bytes) -> dict[str, float]:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        banks.create_bank(session, "bench")
    timings = {}
    for label in ("import", "re-import (all merged)"):
        start = time.perf_counter()
        with unit_of_work(factory) as session:
            hashlists.import_hashlist(session, "bench", io.BytesIO(data), format_name="csv")
        timings[label] = time.perf_counter() - start
    start = time.perf_counter()
    with unit_of_work(factory) as session:
        Matcher.build(session)
    timings["index build"] = time.perf_counter() - start
    engine.dispose()
    return timings


def postgres_scratch(server: str, create: bool) -> str:
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        if create:
            connection.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    admin.dispose()
    return make_url(server).set(database=BENCH_DB).render_as_string(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=200_000)
    parser.add_argument("--postgres", help="PostgreSQL server URL, e.g. "
                        "postgresql://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    data = make_list(args.rows)
    baseline = parse_only(data)
    print(f"{args.rows} rows; baseline csv parse only: {args.rows / baseline:,.0f} rows/s")
    with tempfile.TemporaryDirectory() as tmp:
        backends = {"sqlite": f"sqlite:///{Path(tmp) / 'bench.db'}"}
        if args.postgres:
            backends["postgresql"] = postgres_scratch(args.postgres, create=True)
        for name, url in backends.items():
            for label, seconds in run_backend(url, data).items():
                rate = f"{args.rows / seconds:,.0f} rows/s" if "import" in label else ""
                print(f"{name:10} {label:24} {seconds:7.1f}s {rate:>16}  "
                      f"x{seconds / baseline:.1f} baseline time")
        if args.postgres:
            postgres_scratch(args.postgres, create=False)


if __name__ == "__main__":
    main()
