"""``crowsnest db upgrade|status``: schema migrations."""

from __future__ import annotations

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import connected_engine
from crowsnest.cli.output import say
from crowsnest.db.migrate import current_revisions, head_revisions, upgrade

db_app = typer.Typer(help="Database schema: create and upgrade it.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Create or upgrade the schema to the newest version (all migration heads)."""
    with connected_engine(db) as engine:
        before, after = upgrade(engine)
        url = engine.url.render_as_string(hide_password=True)
    if json_output:
        emit_json({"database": url, "before": sorted(before), "after": sorted(after)})
    elif before == after:
        say(f"{url} is up to date ({', '.join(sorted(after))})")
    else:
        say(f"upgraded {url}: {', '.join(sorted(before)) or 'empty'} -> "
            f"{', '.join(sorted(after))}")


@db_app.command("status")
def status_command(json_output: JsonOption = False, db: DbOption = None) -> None:
    """Show the database's schema revision and whether it is current."""
    with connected_engine(db) as engine:
        current, heads = current_revisions(engine), head_revisions()
        url = engine.url.render_as_string(hide_password=True)
    if json_output:
        emit_json({"database": url, "current": sorted(current), "heads": sorted(heads),
                   "up_to_date": current == heads})
    else:
        state = "up to date" if current == heads else "needs `crowsnest db upgrade`"
        say(f"{url}: {', '.join(sorted(current)) or 'empty'} ({state})")


def register(app: typer.Typer) -> None:
    """Add ``crowsnest db``."""
    app.add_typer(db_app, name="db")
