"""``crowsnest apikey create|list|revoke``: API keys of the match service."""

from __future__ import annotations

from typing import Annotated

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope
from crowsnest.core.apikeys import SCOPES
from crowsnest.services import apikeys

apikey_app = typer.Typer(help="API keys for the match service (shown once, stored hashed).",
                         no_args_is_help=True)
SCOPE_HELP = "Scope (repeatable): " + "; ".join(f"{k}: {v}" for k, v in SCOPES.items())


@apikey_app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="Who uses the key; recorded on every change.")],
    scope: Annotated[list[str], typer.Option("--scope", "-s", help=SCOPE_HELP)],
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Create a key. The key is printed once and cannot be shown again."""
    with session_scope(db) as session:
        info, plaintext = apikeys.create_key(session, name, scope)
    if json_output:
        emit_json({**info.to_dict(), "key": plaintext})
    else:
        typer.echo(plaintext)
        typer.echo(f"created key {info.key_id} '{info.name}' with scopes "
                   f"{', '.join(info.scopes)}; store it now, it is not shown again", err=True)


@apikey_app.command("list")
def list_command(json_output: JsonOption = False, db: DbOption = None) -> None:
    """List keys (never their secrets)."""
    with session_scope(db) as session:
        keys = apikeys.list_keys(session)
    for info in keys:
        if json_output:
            emit_json(info.to_dict())
        else:
            state = "revoked" if info.revoked_at else "active"
            used = info.last_used_at.isoformat() if info.last_used_at else "never"
            typer.echo(f"{info.key_id}  {info.name}  [{', '.join(info.scopes)}]  {state}  "
                       f"last used: {used}")


@apikey_app.command("revoke")
def revoke_command(
    key: Annotated[str, typer.Argument(help="Name or id of the key.")],
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Revoke a key (takes effect on every worker within the key cache TTL, 5 s)."""
    with session_scope(db) as session:
        info = apikeys.revoke_key(session, key)
    if json_output:
        emit_json(info.to_dict())
    else:
        typer.echo(f"revoked key {info.key_id} '{info.name}'")


def register(app: typer.Typer) -> None:
    """Add ``crowsnest apikey``."""
    app.add_typer(apikey_app, name="apikey")
