"""``crowsnest directory``: validate the help directory and show one country's help."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from crowsnest.cli.common import JsonOption, emit_json
from crowsnest.services import directory as service
from crowsnest.services import directory_status

directory_app = typer.Typer(
    help="The help directory: helplines, hotlines, police reporting points per country.",
    no_args_is_help=True,
)


@directory_app.command("validate")
def validate_cmd(
    path: Annotated[
        Path | None,
        typer.Argument(help="A directory file or a folder of them (default: the shipped one)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Check schema, phone numbers, country/language codes, URLs, duplicates and dates.

    Exits 2 when there are errors; warnings (stale or unverified entries) are listed only.
    """
    report = service.validate(path)
    for finding in report.findings:
        if json_out:
            emit_json({"finding": asdict(finding)})
        else:
            typer.echo(f"{finding.level}: {finding.file}: {finding.where}: "
                       f"[{finding.rule}] {finding.message}")
    summary = report.summary()
    if json_out:
        emit_json({"summary": summary})
    else:
        typer.echo(f"{summary['files']} files, {summary['countries']} countries, "
                   f"{summary['entries']} entries ({summary['verified']} verified): "
                   f"{summary['errors']} errors, {summary['warnings']} warnings")
    if not report.ok:
        raise typer.Exit(2)


@directory_app.command("show")
def show_cmd(
    country: Annotated[str, typer.Argument(help="ISO 3166-1 alpha-2 code, e.g. DE, GB, BR.")],
    path: Annotated[
        Path | None, typer.Option("--path", help="Use this directory instead of the shipped one.")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Where to get help and where to report, for a person in COUNTRY."""
    found, name = service.country_help(country, path)
    if json_out:
        emit_json({**found.to_dict(), "name": name})
        return
    typer.echo(f"{name} ({found.code})")
    if found.emergency is None:
        typer.echo("  We have no entries for this country yet; in danger, call your local "
                   "emergency number. International services:")
    for title, entries in (
        ("Emergency", [found.emergency] if found.emergency else []),
        ("Child helplines", found.helplines),
        ("Report abuse material", found.hotlines),
        ("Police online reporting", found.police),
        ("Safer Internet Centre", found.safer_internet_centres),
        ("International services", found.fallbacks),
    ):
        if entries:
            typer.echo(f"\n{title}:")
            for entry in entries:
                _print_entry(entry.to_dict())


@directory_app.command("status")
def status_cmd(
    write: Annotated[
        Path | None,
        typer.Option("--write", help="Rewrite the marked section of this Markdown file "
                     "(docs/directory.md)."),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Exit 1 if the marked section of this file is stale."),
    ] = None,
    path: Annotated[
        Path | None, typer.Option("--path", help="Use this directory instead of the shipped one.")
    ] = None,
) -> None:
    """Print (or write into docs) the verification status generated from the directory data."""
    if check is not None:
        if not directory_status.is_current(check, path):
            typer.echo(f"{check}: verification status is stale; run "
                       f"`crowsnest directory status --write {check}`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{check}: verification status is current")
        return
    if write is not None:
        changed = directory_status.update(write, path)
        typer.echo(f"{write}: {'updated' if changed else 'already current'}")
        return
    typer.echo(directory_status.render(path))


def _print_entry(entry: dict[str, Any]) -> None:
    flag = "" if entry["verified"] else "  [not verified — use the emergency number if in doubt]"
    typer.echo(f"  {entry['name']}{flag}")
    for phone in entry["phones"]:
        label = f" ({phone['label']})" if phone["label"] else ""
        typer.echo(f"    call {phone['number']}{label}")
    for key, label in (("web", "web"), ("chat", "chat"), ("report_url", "report")):
        if entry[key]:
            typer.echo(f"    {label}: {entry[key]}")
    if entry["hours"]:
        typer.echo(f"    hours: {entry['hours']}")
    checked = entry["checked"] or "never"
    typer.echo(f"    source: {entry['source']} (checked {checked})")


def register(app: typer.Typer) -> None:
    """Add the ``directory`` group to the main app."""
    app.add_typer(directory_app, name="directory")
