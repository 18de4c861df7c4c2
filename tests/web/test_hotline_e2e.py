"""End to end with two real crowsnest processes: a report to hotline NL is assessed and
forwarded (signed, through the outbox) to hotline DE, which assesses it, sends a takedown
notice over SMTP, and records the removal. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.services import hotline_analysts as analysts
from crowsnest.testing.servers import SmtpInbox, free_port, run_smtp

pytestmark = pytest.mark.slow
SECRET = "nl-de-shared-secret-0123456789"
PASSWORD = "a long enough passphrase"
ADMIN_PG = os.environ.get("CROWSNEST_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _database(kind: str, tmp_path: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / name}.db"
    admin = make_engine(ADMIN_PG, isolation_level="AUTOCOMMIT")
    db = f"crowsnest_e2e_{name}_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    return make_url(ADMIN_PG).set(database=db).render_as_string(False)


def _prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        analysts.create_analyst(session, "ana", PASSWORD)
    engine.dispose()


def _start(url: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "CROWSNEST_DATABASE_URL": url,
                   "CROWSNEST_OUTBOX_POLL_INTERVAL_S": "0.2",
                   "CROWSNEST_OUTBOX_BACKOFF_BASE_S": "0.2", **env}
    handle = open(log, "wb")  # noqa: SIM115 - closed when the process is reaped
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "crowsnest.web.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=environment, stdout=handle, stderr=subprocess.STDOUT)
    # generous: a cold start may compile the match kernels first
    _wait_for(lambda: _up(port), 120, f"server on {port} did not start: {log.read_text()[-2000:]}")
    return process


def _up(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for(check: Callable[[], object], seconds: float, message: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(message)


class Hotline:
    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        token = self.http.post("/v1/hotline/login",
                               json={"username": "ana", "password": PASSWORD}).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def post(self, path: str, body: dict) -> dict:
        answer = self.http.post(path, json=body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    def assess(self, case_id: int, country: str) -> None:
        base = f"/v1/hotline/cases/{case_id}"
        self.post(f"{base}/status", {"status": "in_assessment"})
        self.post(f"{base}/classification", {"scheme": "inhope", "value": "baseline"})
        self.post(f"{base}/items", {"content_type": "image", "scheme": "industry", "value": "A2",
                                    "hashes": {"md5": "ab" * 16}})
        assert self.http.patch(f"{base}/trace", json={"country": country, "ip": "192.0.2.44"}
                               ).status_code == 200
        self.post(f"{base}/status", {"status": "assessed"})


@pytest.fixture
def smtp() -> Iterator[SmtpInbox]:
    yield from run_smtp(None)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_report_forward_notice_removal(kind: str, tmp_path: Path, smtp: SmtpInbox) -> None:
    nl_url, de_url = _database(kind, tmp_path, "nl"), _database(kind, tmp_path, "de")
    _prepare(nl_url)
    _prepare(de_url)
    nl_port, de_port = free_port(), free_port()
    keys = json.dumps({"nl-to-de": SECRET})
    smtp_env = {"CROWSNEST_SMTP_PORT": str(smtp.port), "CROWSNEST_SMTP_FROM": "hotline@de.example"}
    processes = [
        _start(de_url, de_port, {"CROWSNEST_HOTLINE_OWN_COUNTRY": "DE",
                                 "CROWSNEST_HOTLINE_PEER_KEYS": keys, **smtp_env,
                                 "CROWSNEST_HOTLINE_CONTACTS": json.dumps({"police:DE": {
                                     "name": "Polizei", "destination": "email",
                                     "target": {"to": ["hinweise@polizei.example"]}}})},
               tmp_path / "de.log"),
        _start(nl_url, nl_port, {"CROWSNEST_HOTLINE_OWN_COUNTRY": "NL",
                                 "CROWSNEST_HOTLINE_PEER_KEYS": keys,
                                 "CROWSNEST_HOTLINE_CONTACTS": json.dumps({"hotline:DE": {
                                     "name": "Hotline DE", "destination": "crowsnest",
                                     "target": {"url": f"http://127.0.0.1:{de_port}/v1/hotline/forwards",
                                                "key_id": "nl-to-de"}}})},
               tmp_path / "nl.log"),
    ]
    try:
        receipt = httpx.post(f"http://127.0.0.1:{nl_port}/v1/hotline/reports",
                             json={"urls": ["https://files.example/v/1?utm_source=x"]}).json()
        nl = Hotline(nl_port)
        (case,) = nl.http.get("/v1/hotline/cases").json()
        nl.assess(case["id"], "DE")
        routed = nl.post(f"/v1/hotline/cases/{case['id']}/route", {})
        assert [m["destination"] for m in routed["messages"]] == ["crowsnest"]
        de = Hotline(de_port)
        forwarded = _wait_for(lambda: de.http.get("/v1/hotline/cases").json(), 20,
                              "the forward did not arrive at hotline DE")
        (de_case,) = forwarded  # type: ignore[misc]
        assert de_case["url"] == "https://files.example/v/1" and de_case["source"] == "forward:nl-to-de"
        delivered = _wait_for(lambda: nl.http.get(f"/v1/hotline/cases/{case['id']}").json()
                              ["messages"][0]["delivery"]["status"] == "delivered", 20,
                              "NL never saw its forward delivered")
        assert delivered
        de.assess(de_case["id"], "DE")
        de.post(f"/v1/hotline/cases/{de_case['id']}/route",
                {"provider": {"name": "Host GmbH", "email": "abuse@host.example"}})
        _wait_for(lambda: len(smtp.messages) >= 2, 20, "the referral and notice were not e-mailed")
        by_recipient = {m["To"]: m for m in smtp.messages}
        assert set(by_recipient) == {"hinweise@polizei.example", "abuse@host.example"}
        assert "Hinweis" in by_recipient["abuse@host.example"]["Subject"]
        removed = de.post(f"/v1/hotline/cases/{de_case['id']}/removal", {})
        assert removed["status"] == "removed" and removed["hours_to_removal"] >= 0
        nl.post(f"/v1/hotline/cases/{case['id']}/removal", {})
        status = httpx.get(f"http://127.0.0.1:{nl_port}/v1/hotline/receipts/{receipt['receipt']}")
        assert status.json()["status"] == "closed"
        assert de.http.get("/v1/hotline/stats").json()["hours_to_removal"]["count"] == 1
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
