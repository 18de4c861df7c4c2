"""``crowsnest bank ...``: create, list, rename, enable/disable and delete hash banks."""

from __future__ import annotations

from typing import Annotated

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope
from crowsnest.cli.output import print_table, say
from crowsnest.core.errors import InvalidInput
from crowsnest.services import banks as bank_service
from crowsnest.services.banks import BankInfo

bank_app = typer.Typer(help="Manage hash banks (named hash lists) and their entries.",
                       no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="Bank name.", show_default=False)]


def _counts(info: BankInfo) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(info.entry_counts.items())) or "-"


def _show(info: BankInfo, json_output: bool, verb: str) -> None:
    if json_output:
        emit_json(info.to_dict())
    else:
        say(f"{verb} bank {info.name!r} ({'enabled' if info.enabled else 'disabled'}, "
            f"{info.total_entries} entries)")


@bank_app.command("create")
def create(
    name: NameArgument,
    description: Annotated[str, typer.Option(help="What the bank holds.")] = "",
    pdq_threshold: Annotated[int | None, typer.Option(
        help="PDQ match threshold for this bank (default: the configured one, 31).",
        show_default=False)] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it disabled.")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Create an empty bank."""
    with session_scope(db) as session:
        info = bank_service.create_bank(session, name, description=description,
                                        enabled=not disabled, pdq_threshold=pdq_threshold)
    _show(info, json_output, "created")


@bank_app.command("list")
def list_(json_output: JsonOption = False, db: DbOption = None) -> None:
    """List every bank with its entry counts per signal type."""
    with session_scope(db) as session:
        banks = bank_service.list_banks(session)
    if json_output:
        for info in banks:
            emit_json(info.to_dict())
        return
    if not banks:
        say("no banks yet: create one with `crowsnest bank create NAME`")
        return
    print_table(
        ["name", "enabled", "pdq threshold", "entries", "description"],
        [[b.name, "yes" if b.enabled else "no", b.pdq_threshold or "default", _counts(b),
          b.description or None] for b in banks],
    )


@bank_app.command("show")
def show(name: NameArgument, json_output: JsonOption = False, db: DbOption = None) -> None:
    """Show one bank."""
    with session_scope(db) as session:
        info = bank_service.get_bank(session, name)
    if json_output:
        emit_json(info.to_dict())
        return
    print_table(["field", "value"], [
        ["name", info.name], ["enabled", info.enabled], ["description", info.description],
        ["pdq threshold", info.pdq_threshold or "default"], ["entries", _counts(info)],
        ["created", info.created_at.isoformat(timespec="seconds")],
        ["updated", info.updated_at.isoformat(timespec="seconds")],
    ])


@bank_app.command("rename")
def rename(
    name: NameArgument,
    new_name: Annotated[str, typer.Argument(help="New bank name.", show_default=False)],
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Rename a bank."""
    with session_scope(db) as session:
        info = bank_service.rename_bank(session, name, new_name)
    _show(info, json_output, "renamed")


@bank_app.command("enable")
def enable(name: NameArgument, json_output: JsonOption = False, db: DbOption = None) -> None:
    """Enable a bank: its entries match again."""
    with session_scope(db) as session:
        info = bank_service.set_bank_enabled(session, name, True)
    _show(info, json_output, "enabled")


@bank_app.command("disable")
def disable(name: NameArgument, json_output: JsonOption = False, db: DbOption = None) -> None:
    """Disable a bank: none of its entries match until it is enabled again."""
    with session_scope(db) as session:
        info = bank_service.set_bank_enabled(session, name, False)
    _show(info, json_output, "disabled")


@bank_app.command("set-threshold")
def set_threshold(
    name: NameArgument,
    threshold: Annotated[str, typer.Argument(
        help="PDQ threshold 0-256 for this bank, or 'default' to use the configured one.",
        show_default=False)],
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Set or clear a bank's own PDQ match threshold."""
    if threshold != "default" and not threshold.isdigit():
        raise InvalidInput(f"threshold must be a number or 'default', got {threshold!r}")
    with session_scope(db) as session:
        info = bank_service.update_bank(
            session, name, clear_pdq_threshold=threshold == "default",
            pdq_threshold=None if threshold == "default" else int(threshold))
    _show(info, json_output, "updated")


@bank_app.command("delete")
def delete(
    name: NameArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Delete a bank and every entry in it."""
    if not yes and not typer.confirm(f"Delete bank {name!r} and all its entries?"):
        raise typer.Exit(1)
    with session_scope(db) as session:
        removed = bank_service.delete_bank(session, name)
    if json_output:
        emit_json({"deleted": name, "entries": removed})
    else:
        say(f"deleted bank {name!r} with {removed} entries")


def register(app: typer.Typer) -> None:
    """Add ``crowsnest bank`` with its sub-commands (entries live in bank_entries_cmd)."""
    from crowsnest.cli import bank_entries_cmd

    bank_entries_cmd.register_on(bank_app)
    app.add_typer(bank_app, name="bank")
