"""Hotline CLI: analysts, audit verification (intact and tampered), stats, contact purge."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("crowsnest.db.models", reason="needs the storage layer (store branch)")

from sqlalchemy import create_engine, text  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from crowsnest.cli.main import app  # noqa: E402
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work  # noqa: E402
from crowsnest.services import hotline_analysts as analysts  # noqa: E402
from crowsnest.services import hotline_cases as cases  # noqa: E402
from crowsnest.services import hotline_intake as intake  # noqa: E402


def run(db: str, *args: str, code: int = 0, stdin: str | None = None):  # noqa: ANN201
    result = CliRunner().invoke(app, [*args, "--db", db], input=stdin)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def test_analyst_audit_and_stats(sqlite_url: str) -> None:
    created = run(sqlite_url, "analyst", "create", "Ana", "--role", "supervisor", "--totp",
                  "--password-stdin", "--json", stdin="a long enough passphrase\n")
    info = json.loads(created.stdout)
    assert info["username"] == "ana" and info["totp_uri"].startswith("otpauth://")
    assert "ana" in run(sqlite_url, "analyst", "list").stdout
    run(sqlite_url, "analyst", "create", "ana", "--password-stdin", code=2, stdin="x" * 20 + "yz\n")
    engine = make_engine(sqlite_url)
    with unit_of_work(make_session_factory(engine)) as session:
        case_id = intake.submit(session, {"urls": ["https://cli.example/"]}).case_ids[0]
        actor = analysts.Actor("ana", "supervisor", info["id"])
        cases.view(session, case_id, actor)
        cases.change_status(session, case_id, actor, "in_assessment")
    verified = json.loads(run(sqlite_url, "audit", "verify", "--json").stdout)
    assert verified == {"ok": True, "checked": 2, "broken_at": None, "reason": ""}
    figures = json.loads(run(sqlite_url, "stats").stdout)
    assert figures["cases"] == 1 and figures["by_status"] == {"in_assessment": 1}
    assert run(sqlite_url, "stats", "--format", "csv").stdout.startswith("metric,key,value")
    run(sqlite_url, "stats", "--format", "xml", code=2)
    with create_engine(sqlite_url).begin() as connection:
        connection.execute(text("UPDATE hotline_audit SET action = 'case.nothing' WHERE seq = 1"))
    broken = run(sqlite_url, "audit", "verify", code=1)
    assert "BROKEN at record 1" in broken.stdout
    engine.dispose()


def test_purge_contacts(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    run(sqlite_url, "stats")  # creates the schema
    with unit_of_work(make_session_factory(engine)) as session:
        intake.submit(session, {"urls": ["https://x.example/"], "contact_email": "a@b.org"})
    out = json.loads(run(sqlite_url, "hotline", "purge-contacts", "--days", "0", "--json").stdout)
    assert out == {"purged": 1, "retention_days": 0}
    engine.dispose()
