"""Hotline commands: ``crowsnest audit verify``, ``crowsnest stats``, ``crowsnest analyst
create|list|role|disable|enable|unlock|reset-password|reset-totp`` (also reachable as
``crowsnest hotline analyst ...``), ``crowsnest hotline purge-contacts`` and
``crowsnest hotline removal-checks``.

Account changes made here act as the operator ``cli:<os user>`` with the admin role: whoever
can run the command against the database is trusted like an admin, and the audit log
records who it was.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated, Any

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope, settings_for
from crowsnest.cli.output import say
from crowsnest.core.errors import CrowsnestError, InvalidInput
from crowsnest.services import hotline_accounts as accounts
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_audit as audit
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_intake as intake
from crowsnest.services import hotline_stats as stats


class AuditBroken(CrowsnestError):
    """The audit chain does not verify."""

    code = "audit_chain_broken"
    exit_code = 1


audit_app = typer.Typer(help="The hotline's hash-chained audit log.", no_args_is_help=True)
analyst_app = typer.Typer(
    help="Analyst accounts of the hotline: create, list, change role, disable/enable, unlock, "
         "reset a password or TOTP. Accounts are never deleted; every change is audited.",
    no_args_is_help=True)
UsernameArg = Annotated[str, typer.Argument(help="The analyst's login name.")]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input (one line) instead of "
                             "asking for it.")]
hotline_app = typer.Typer(help="Hotline housekeeping and analyst accounts.", no_args_is_help=True)


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
    password_stdin: PasswordStdin = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Create an analyst account (the password is asked for, never an argument)."""
    password = _read_password(password_stdin)
    with session_scope(db) as session:
        info = analysts.create_analyst(session, username, password, role=role,
                                       display_name=display_name, with_totp=totp,
                                       actor=operator())
    if json_output:
        emit_json(info)
        return
    say(f"created {info['role']} {info['username']}")
    if totp:
        say(f"TOTP secret (shown once): {info['totp_secret']}\n{info['totp_uri']}")


@analyst_app.command("list")
def analyst_list(json_output: JsonOption = False, db: DbOption = None) -> None:
    """List analyst accounts, disabled ones included (one JSON object per line with --json)."""
    with session_scope(db) as session:
        rows = accounts.list_accounts(session, operator())
    for row in rows:
        if json_output:
            emit_json(row)
            continue
        state = "disabled" if row["disabled"] else "locked" if row["locked_until"] else "active"
        say(f"{row['username']:<24} {row['role']:<10} totp={'yes' if row['totp'] else 'no':<3} "
            f"{state}")


def operator() -> analysts.Actor:
    """The actor for account changes from the command line (see the module docstring)."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 -- no user name in some containers
        user = "unknown"
    return analysts.Actor(f"cli:{user}", "admin")


def _read_password(from_stdin: bool, prompt: str = "Password") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


def _report(info: dict[str, Any], json_output: bool, done: str, unchanged: str) -> None:
    if json_output:
        emit_json(info)
    else:
        say(done if info["changed"] else unchanged)


@analyst_app.command("role")
def analyst_role(
    username: UsernameArg,
    role: Annotated[str, typer.Argument(help="analyst, supervisor or admin.")],
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Give an account another role; it applies to the analyst's next request.

    The last active admin cannot be demoted. Example: crowsnest analyst role ana supervisor
    """
    with session_scope(db) as session:
        info = accounts.set_role(session, operator(), username, role)
    _report(info, json_output, f"{info['username']} is now {info['role']}",
            f"{info['username']} is {info['role']} already (nothing changed)")


@analyst_app.command("disable")
def analyst_disable(username: UsernameArg, json_output: JsonOption = False,
                    db: DbOption = None) -> None:
    """Disable an account: it can no longer sign in and its sessions end at once.

    The account is kept (never deleted) for the audit trail; `enable` restores it. The last
    active admin cannot be disabled.
    """
    with session_scope(db) as session:
        info = accounts.set_disabled(session, operator(), username, True)
    _report(info, json_output, f"disabled {info['username']} (signed out everywhere)",
            f"{info['username']} is disabled already (nothing changed)")


@analyst_app.command("enable")
def analyst_enable(username: UsernameArg, json_output: JsonOption = False,
                   db: DbOption = None) -> None:
    """Re-enable a disabled account (the analyst signs in again)."""
    with session_scope(db) as session:
        info = accounts.set_disabled(session, operator(), username, False)
    _report(info, json_output, f"enabled {info['username']}",
            f"{info['username']} is enabled already (nothing changed)")


@analyst_app.command("unlock")
def analyst_unlock(username: UsernameArg, json_output: JsonOption = False,
                   db: DbOption = None) -> None:
    """Lift a lock-out after repeated failed sign-ins (and clear the failure count)."""
    with session_scope(db) as session:
        info = accounts.unlock(session, operator(), username)
    _report(info, json_output, f"unlocked {info['username']}",
            f"{info['username']} was not locked (nothing changed)")


@analyst_app.command("reset-password")
def analyst_reset_password(username: UsernameArg, password_stdin: PasswordStdin = False,
                           json_output: JsonOption = False, db: DbOption = None) -> None:
    """Set a new password for an analyst (asked for, never an argument).

    The analyst's sessions end and any lock-out is lifted. Example:
    printf '%s\\n' "$NEW" | crowsnest analyst reset-password ana --password-stdin
    """
    password = _read_password(password_stdin, "New password")
    with session_scope(db) as session:
        info = accounts.reset_password(session, operator(), username, password)
    _report(info, json_output, f"new password set for {info['username']} "
            f"({info['sessions_ended']} session(s) ended)", "")


@analyst_app.command("reset-totp")
def analyst_reset_totp(
    username: UsernameArg,
    enrol: Annotated[bool, typer.Option(
        "--enrol", help="Issue a new TOTP secret at once (shown once) instead of removing "
                        "the second factor.")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Remove an analyst's one-time-code second factor (e.g. a lost phone), or replace it.

    Without --enrol the analyst signs in with the password alone until a new secret is
    issued (`reset-totp NAME --enrol`). The analyst's sessions end either way.
    """
    with session_scope(db) as session:
        info = accounts.reset_totp(session, operator(), username, enrol=enrol)
    if json_output:
        emit_json(info)
    elif enrol:
        say(f"new TOTP secret for {info['username']} (shown once): {info['totp_secret']}\n"
            f"{info['totp_uri']}")
    else:
        _report(info, False, f"removed the TOTP second factor of {info['username']}",
                f"{info['username']} had no TOTP (nothing changed)")


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


@hotline_app.command("removal-checks")
def removal_checks(json_output: JsonOption = False, db: DbOption = None) -> None:
    """List cases whose scheduled removal check is due (for a daily job or a reminder).

    With --json: one object per case: id, defanged URL, status, country, due time, assignee.
    """
    with session_scope(db) as session:
        due = cases.removal_checks_due(session)
    rows = [{"id": c["id"], "url_defanged": c["url_defanged"], "status": c["status"],
             "hosting_country": c["hosting_country"], "removal_check_at": c["removal_check_at"],
             "assignee_id": c["assignee_id"]} for c in due]
    if json_output:
        for row in rows:
            emit_json(row)
        return
    if not rows:
        say("no removal check is due")
        return
    for row in rows:
        say(f"#{row['id']}  {row['url_defanged']}  hosted in {row['hosting_country'] or '?'}  "
            f"check due since {row['removal_check_at'][:16].replace('T', ' ')} UTC")
    say(f"{len(rows)} removal check{'s' if len(rows) != 1 else ''} due")


def register(app: typer.Typer) -> None:
    """Add ``crowsnest audit``, ``stats``, ``analyst`` and ``hotline``."""
    app.add_typer(audit_app, name="audit")
    app.add_typer(analyst_app, name="analyst")
    hotline_app.add_typer(analyst_app, name="analyst")  # also as `crowsnest hotline analyst`
    app.add_typer(hotline_app, name="hotline")
    app.command("stats")(stats_command)
