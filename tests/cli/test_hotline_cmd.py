"""Hotline CLI: analysts, audit verification (intact and tampered), stats, contact purge."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from crowsnest.cli.main import app
from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_intake as intake


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
    # creating the account (1), viewing the case (2), changing its status (3)
    assert verified == {"ok": True, "checked": 3, "broken_at": None, "reason": ""}
    figures = json.loads(run(sqlite_url, "stats").stdout)
    assert figures["cases"] == 1 and figures["by_status"] == {"in_assessment": 1}
    assert run(sqlite_url, "stats", "--format", "csv").stdout.startswith("metric,key,value")
    run(sqlite_url, "stats", "--format", "xml", code=2)
    with create_engine(sqlite_url).begin() as connection:
        connection.execute(text("UPDATE hotline_audit SET action = 'case.nothing' WHERE seq = 2"))
    broken = run(sqlite_url, "audit", "verify", code=1)
    assert "BROKEN at record 2" in broken.stdout
    engine.dispose()


def test_purge_contacts(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    run(sqlite_url, "stats")  # creates the schema
    with unit_of_work(make_session_factory(engine)) as session:
        intake.submit(session, {"urls": ["https://x.example/"], "contact_email": "a@b.org"})
    out = json.loads(run(sqlite_url, "hotline", "purge-contacts", "--days", "0", "--json").stdout)
    assert out == {"purged": 1, "retention_days": 0}
    engine.dispose()


def test_removal_checks_due(sqlite_url: str) -> None:
    from datetime import timedelta

    from crowsnest.services import hotline_cases
    from crowsnest.services.hotline_analysts import SYSTEM

    engine = make_engine(sqlite_url)
    run(sqlite_url, "stats")  # creates the schema
    assert "no removal check is due" in run(sqlite_url, "hotline", "removal-checks").stdout
    with unit_of_work(make_session_factory(engine)) as session:
        due, later = (intake.submit(session, {"urls": [f"https://{h}.example/"]}).case_ids[0]
                      for h in ("due", "later"))
        for case_id in (due, later):
            for status in ("in_assessment", "assessed", "actioned", "awaiting_removal"):
                hotline_cases.change_status(session, case_id, SYSTEM, status)
        hotline_cases.override_trace(session, due, SYSTEM, country="NL")
        hotline_cases.schedule_removal_check(session, due, SYSTEM, timedelta(0))
        hotline_cases.schedule_removal_check(session, later, SYSTEM, timedelta(days=2))
    engine.dispose()
    text = run(sqlite_url, "hotline", "removal-checks").stdout
    assert "hxxps://due[.]example/" in text and "hosted in NL" in text and "later" not in text
    assert "1 removal check due" in text
    rows = [json.loads(line) for line in run(
        sqlite_url, "hotline", "removal-checks", "--json").stdout.splitlines()]
    assert [r["id"] for r in rows] == [due] and rows[0]["hosting_country"] == "NL"


PASSWORD = "a long enough passphrase"
NEW_PASSWORD = "another long passphrase"


def _create(db: str, name: str, *extra: str) -> dict:  # type: ignore[type-arg]
    out = run(db, "analyst", "create", name, *extra, "--password-stdin", "--json",
              stdin=PASSWORD + "\n")
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _signs_in(db: str, name: str, password: str = PASSWORD) -> bool:
    engine = make_engine(db)
    with unit_of_work(make_session_factory(engine)) as session:
        ok = analysts.authenticate(session, name, password).actor is not None
    engine.dispose()
    return ok


def _audit_actions(db: str) -> list[tuple[str, str, str]]:
    with create_engine(db).connect() as connection:
        return [tuple(row) for row in connection.execute(text(  # type: ignore[misc]
            "SELECT actor, action, subject_id FROM hotline_audit ORDER BY seq"))]


def test_account_administration(sqlite_url: str) -> None:
    _create(sqlite_url, "boss", "--role", "admin")
    _create(sqlite_url, "ana")
    role = json.loads(run(sqlite_url, "hotline", "analyst", "role", "ana", "supervisor",
                          "--json").stdout)
    assert role["role"] == "supervisor" and role["changed"] == ["role"]
    assert "already" in run(sqlite_url, "analyst", "role", "ana", "supervisor").stdout
    assert "disabled ana" in run(sqlite_url, "analyst", "disable", "ana").stdout
    assert not _signs_in(sqlite_url, "ana")
    listed = [json.loads(line) for line in
              run(sqlite_url, "analyst", "list", "--json").stdout.splitlines()]
    assert {r["username"]: r["disabled"] for r in listed} == {"boss": False, "ana": True}
    assert "disabled" in run(sqlite_url, "analyst", "list").stdout
    run(sqlite_url, "hotline", "analyst", "enable", "ana")
    assert _signs_in(sqlite_url, "ana")
    for _ in range(analysts.POLICY.max_failures):
        _signs_in(sqlite_url, "ana", "wrong password!!")
    assert not _signs_in(sqlite_url, "ana")
    assert json.loads(run(sqlite_url, "analyst", "unlock", "ana", "--json").stdout)["changed"]
    assert _signs_in(sqlite_url, "ana")
    reset = run(sqlite_url, "analyst", "reset-password", "ana", "--password-stdin",
                stdin=NEW_PASSWORD + "\n")
    assert "new password set for ana" in reset.stdout
    assert _signs_in(sqlite_url, "ana", NEW_PASSWORD) and not _signs_in(sqlite_url, "ana")
    prompted = CliRunner().invoke(app, ["analyst", "reset-password", "ana", "--db", sqlite_url],
                                  input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    assert _signs_in(sqlite_url, "ana")
    user = operator_name()
    assert _audit_actions(sqlite_url) == [
        (user, "analyst.create", "boss"), (user, "analyst.create", "ana"),
        (user, "analyst.role", "ana"), (user, "analyst.disable", "ana"),
        (user, "analyst.enable", "ana"), (user, "analyst.unlock", "ana"),
        (user, "analyst.password_reset", "ana"), (user, "analyst.password_reset", "ana")]
    with create_engine(sqlite_url).connect() as connection:
        log = str(connection.execute(text("SELECT detail FROM hotline_audit")).all())
    assert NEW_PASSWORD not in log and PASSWORD not in log


def operator_name() -> str:
    from crowsnest.cli.hotline_cmd import operator

    return operator().username


def test_reset_totp(sqlite_url: str) -> None:
    _create(sqlite_url, "tom", "--totp")
    assert not _signs_in(sqlite_url, "tom")  # no one-time code
    assert "removed the TOTP" in run(sqlite_url, "analyst", "reset-totp", "tom").stdout
    assert _signs_in(sqlite_url, "tom")
    assert "had no TOTP" in run(sqlite_url, "analyst", "reset-totp", "tom").stdout
    enrolled = json.loads(run(sqlite_url, "analyst", "reset-totp", "tom", "--enrol",
                              "--json").stdout)
    assert enrolled["totp"] and enrolled["totp_uri"].startswith("otpauth://")
    assert not _signs_in(sqlite_url, "tom")


def test_account_errors_change_nothing(sqlite_url: str) -> None:
    _create(sqlite_url, "boss", "--role", "admin")
    _create(sqlite_url, "ana")
    before = _audit_actions(sqlite_url)
    last = run(sqlite_url, "analyst", "disable", "boss", code=2)
    assert "boss is the last active admin" in " ".join(last.stderr.split())
    demote = run(sqlite_url, "analyst", "role", "boss", "analyst", "--json", code=2)
    assert json.loads(demote.stderr)["error"]["code"] == "conflict"
    assert "no analyst called 'ghost'" in run(sqlite_url, "analyst", "unlock", "ghost",
                                               code=2).stderr
    for command in ("disable", "enable", "reset-totp"):
        run(sqlite_url, "analyst", command, "ghost", code=2)
    assert "unknown role" in run(sqlite_url, "analyst", "role", "ana", "god", code=2).stderr
    short = run(sqlite_url, "analyst", "reset-password", "ana", "--password-stdin", code=2,
                stdin="short\n")
    assert "at least" in short.stderr
    run(sqlite_url, "analyst", "reset-password", "ghost", "--password-stdin", code=2,
        stdin=NEW_PASSWORD + "\n")
    assert _audit_actions(sqlite_url) == before
    assert _signs_in(sqlite_url, "boss") and _signs_in(sqlite_url, "ana")
    listed = [json.loads(line) for line in
              run(sqlite_url, "analyst", "list", "--json").stdout.splitlines()]
    assert [(r["username"], r["role"], r["active"]) for r in listed] == [
        ("ana", "analyst", True), ("boss", "admin", True)]


def test_account_commands_explain_themselves() -> None:
    for command in ("role", "disable", "enable", "unlock", "reset-password", "reset-totp"):
        result = CliRunner().invoke(app, ["hotline", "analyst", command, "--help"])
        assert result.exit_code == 0 and "--json" in result.stdout
    wide = CliRunner(env={"COLUMNS": "300"}).invoke(app, ["analyst", "disable", "--help"])
    assert "The last active admin cannot be disabled" in " ".join(wide.stdout.split())


def test_the_docs_name_every_account_command_and_no_other() -> None:
    import re
    from pathlib import Path

    from crowsnest.cli.hotline_cmd import analyst_app

    doc = (Path(__file__).parents[2] / "docs" / "hotline.md").read_text("utf-8")
    documented = set(re.findall(r"crowsnest analyst ([a-z-]+)", doc))
    commands = {command.name for command in analyst_app.registered_commands}
    assert documented == commands
