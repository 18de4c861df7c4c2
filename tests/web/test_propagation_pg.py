"""Two real `crowsnest serve` processes on one PostgreSQL database agree within 5 s."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crowsnest.db.engine import make_engine

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ADMIN_URL = os.environ.get("CROWSNEST_TEST_POSTGRES_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
CLI = str(Path(sys.executable).with_name("crowsnest"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"crowsnest_prop_{os.getpid()}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(ADMIN_URL).set(database=name).render_as_string(False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wait_ready(base: str, process: subprocess.Popen[bytes], deadline_s: float = 30) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become ready")


def _until(predicate, timeout_s: float = 5.0) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not true within {timeout_s} s")


def test_change_through_one_worker_is_seen_by_the_other(pg_url: str) -> None:
    env = {**os.environ, "CROWSNEST_DATABASE_URL": pg_url, "CROWSNEST_INDEX_POLL_INTERVAL_S": "0.5"}
    subprocess.run([CLI, "db", "upgrade"], env=env, check=True, capture_output=True)
    key = subprocess.run([CLI, "apikey", "create", "tester", "--scope", "admin"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    headers = {"X-API-Key": key}
    ports = [_free_port(), _free_port()]
    processes = [subprocess.Popen([CLI, "serve", "--port", str(p), "--log-level", "warning"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for p in ports]
    try:
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        for base, process in zip((a, b), processes):
            _wait_ready(base, process)
        assert httpx.post(f"{a}/v1/banks", json={"name": "shared"}, headers=headers).status_code == 201
        added = httpx.post(f"{a}/v1/banks/shared/entries", headers=headers,
                           json={"signal_type": "pdq", "value": PDQ})
        entry_id = added.json()["entry"]["id"]

        def matches(base: str) -> bool:
            r = httpx.get(f"{base}/v1/match/hash", params={"signal_type": "pdq", "value": PDQ},
                          headers=headers)
            return bool(r.json()["matches"])

        def index_size(base: str) -> int:
            return int(httpx.get(f"{base}/v1/index", headers=headers).json()["sizes"]["pdq"])

        # the other worker's in-memory index takes the new hash (no rebuild), and matches it
        _until(lambda: index_size(b) == 1 and matches(b))
        httpx.patch(f"{a}/v1/entries/{entry_id}", json={"enabled": False}, headers=headers)
        _until(lambda: index_size(b) == 0 and not matches(b))
        httpx.patch(f"{b}/v1/entries/{entry_id}", json={"enabled": True}, headers=headers)
        _until(lambda: index_size(a) == 1 and matches(a))
        httpx.patch(f"{b}/v1/banks/shared", json={"enabled": False}, headers=headers)
        _until(lambda: index_size(a) == 0 and index_size(b) == 0 and not matches(a))
        for base in (a, b):
            status = httpx.get(f"{base}/v1/index", headers=headers).json()
            assert status["last_change_id"] == 4 and status["fresh"]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


def test_notify_wakes_the_poller_long_before_its_tick(pg_url: str) -> None:
    from crowsnest.config import Settings
    from crowsnest.db.engine import make_engine, unit_of_work
    from crowsnest.db.migrate import upgrade
    from crowsnest.services import banks
    from crowsnest.services.runtime import ServiceRuntime

    engine = make_engine(pg_url)
    upgrade(engine)
    runtime = ServiceRuntime.from_settings(
        Settings(database_url=pg_url, index_poll_interval_s=60.0), engine=engine)
    runtime.start()
    try:
        time.sleep(0.5)  # the listener is connected and waiting
        with unit_of_work(runtime.factory) as session:
            banks.create_bank(session, "notify")
            banks.add_hash(session, "notify", "pdq", PDQ)
        waited = _until(lambda: runtime.index.status().sizes.get("pdq") == 1, timeout_s=5.0)
        assert waited < 5.0  # the 60 s tick never came: the NOTIFY did it
    finally:
        runtime.stop()
        engine.dispose()
