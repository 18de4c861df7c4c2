"""``crowsnest index snapshot|status``: the memory-mappable index snapshots of the service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import connected_engine, settings_for
from crowsnest.cli.output import print_table, say
from crowsnest.db.engine import make_session_factory
from crowsnest.db.migrate import ensure_schema
from crowsnest.services import index_admin

index_app = typer.Typer(
    help="Index snapshots: what a service worker maps at start-up instead of rebuilding "
    "its indexes from the database.", no_args_is_help=True)
DirOption = Annotated[Path | None, typer.Option(
    "--dir", help="Snapshot directory (default: the index_dir setting; 'auto' is "
    "<sqlite file>.index).")]


@contextmanager
def _factory(db: str | None, directory: Path | None) -> Iterator[tuple[sessionmaker[Session], Path, int]]:
    settings = settings_for(db)
    with connected_engine(db) as engine:
        ensure_schema(engine, auto_upgrade_sqlite=True)
        where = directory or index_admin.snapshot_directory(
            settings.index_dir, engine.url.render_as_string(hide_password=False))
        yield make_session_factory(engine), where, settings.pdq_threshold


@index_app.command("snapshot")
def snapshot_command(directory: DirOption = None, json_output: JsonOption = False,
                     db: DbOption = None) -> None:
    """Load the indexes, catch them up with the change log and write a snapshot now."""
    with _factory(db, directory) as (factory, where, threshold):
        result = index_admin.write_snapshot(factory, where, threshold)
    if json_output:
        emit_json(result)
        return
    written = ", ".join(result["written"]) or "nothing new to write"
    sizes = ", ".join(f"{k} {v:,}" for k, v in result["sizes"].items())
    say(f"{where}: loaded from the {result['loaded_from']} in {result['load_seconds']} s, "
        f"current to change {result['change_id']} ({sizes}); wrote: {written} "
        f"({result['seconds']} s in all)")


@index_app.command("status")
def status_command(directory: DirOption = None, json_output: JsonOption = False,
                   db: DbOption = None) -> None:
    """Show each saved index: change it is current to, how far behind, age, size, usable."""
    with _factory(db, directory) as (factory, where, _):
        result = index_admin.snapshot_status(factory, where)
    if json_output:
        emit_json(result)
        return
    if not result["indexes"]:
        say(f"{where}: no snapshot yet (a service worker writes one after its first start; "
            "or run `crowsnest index snapshot`)")
        return
    rows = [(i["signal_type"], i["change_id"], i["changes_behind"], i["rows"],
             f"{i['bytes_on_disk'] / 1e6:,.1f} MB", f"{i['age_seconds']:,.0f} s",
             "yes" if i["usable"] else f"no: {i['problem'] or 'change no longer logged'}")
            for i in result["indexes"]]
    print_table(["signal type", "change", "behind", "rows", "size", "age", "usable"], rows,
                title=f"{where} (database at change {result['latest_change_id']})")


def register(app: typer.Typer) -> None:
    """Add ``crowsnest index``."""
    app.add_typer(index_app, name="index")
