"""Hotline commands: ``crowsnest audit verify``, ``crowsnest stats``, ``crowsnest analyst
create|list`` and ``crowsnest hotline purge-contacts``."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope, settings_for
from crowsnest.cli.output import say
from crowsnest.core.errors import CrowsnestError, InvalidInput
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_audit as audit
from crowsnest.services import hotline_intake as intake
from crowsnest.services import hotline_stats as stats


class AuditBroken(CrowsnestError):
    """The audit chain does not verify."""

    code = "audit_chain_broken"
    exit_code = 1


audit_app = typer.Typer(help="The hotline's hash-chained audit log.", no_args_is_help=True)
analyst_app = typer.Typer(help="Analyst accounts of the hotline.", no_args_is_help=True)
hotline_app = typer.Typer(help="Hotline housekeeping.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Check every record of the audit log against the chain of hashes (exit 1 if broken)."""
    with session_scope(db) as session:
        check = audit.verify(session)
    if json_output:
        emit_json({"ok": check.ok, "checked": check.checked, "broken_at": check.broken_at,
                   "reason": check.reason})
    else:
        say(f"audit log intact: {check.checked} records verified" if check.ok else
            f"audit log BROKEN at record {check.broken_at}: {check.reason}")
    if not check.ok:
        raise typer.Exit(AuditBroken.exit_code)


def stats_command(
    output_format: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
    db: DbOption = None,
) -> None:
    """Hotline statistics: counts by status, outcome, classification and hosting country;
    median and p90 hours to assessment and to removal."""
    if output_format not in ("json", "csv"):
        raise InvalidInput("--format is json or csv")
    with session_scope(db) as session:
        figures = stats.compute(session)
    sys.stdout.write(stats.to_csv(figures) if output_format == "csv"
                     else json.dumps(figures, sort_keys=True) + "\n")


@analyst_app.command("create")
def analyst_create(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[str, typer.Option(help="analyst, supervisor or admin.")] = "analyst",
    display_name: Annotated[str, typer.Option(help="Name shown in the console.")] = "",
    totp: Annotated[bool, typer.Option("--totp", help="Require a one-time code at sign-in.")] = False,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input.")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Create an analyst account (the password is asked for, never an argument)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    with session_scope(db) as session:
        info = analysts.create_analyst(session, username, password, role=role,
                                       display_name=display_name, with_totp=totp)
    if json_output:
        emit_json(info)
        return
    say(f"created {info['role']} {info['username']}")
    if totp:
        say(f"TOTP secret (shown once): {info['totp_secret']}\n{info['totp_uri']}")


@analyst_app.command("list")
def analyst_list(json_output: JsonOption = False, db: DbOption = None) -> None:
    """List analyst accounts."""
    with session_scope(db) as session:
        rows = analysts.list_analysts(session)
    for row in rows:
        if json_output:
            emit_json(row)
        else:
            say(f"{row['username']:<24} {row['role']:<10} totp={'yes' if row['totp'] else 'no'}")


@hotline_app.command("purge-contacts")
def purge_contacts(
    days: Annotated[int | None, typer.Option(help="Retention in days (default from settings).")] = None,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Delete reporters' contact e-mails older than the retention period."""
    retention = days if days is not None else settings_for(db).hotline_contact_retention_days
    with session_scope(db) as session:
        purged = intake.purge_contacts(session, retention)
    if json_output:
        emit_json({"purged": purged, "retention_days": retention})
    else:
        say(f"deleted the contact address of {purged} report(s) older than {retention} days")


def register(app: typer.Typer) -> None:
    """Add ``crowsnest audit``, ``stats``, ``analyst`` and ``hotline``."""
    app.add_typer(audit_app, name="audit")
    app.add_typer(analyst_app, name="analyst")
    app.add_typer(hotline_app, name="hotline")
    app.command("stats")(stats_command)
