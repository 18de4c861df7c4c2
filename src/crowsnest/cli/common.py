"""Pieces shared by every CLI command: the ``--json`` and ``--db`` options and output helpers."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

JSON_META_KEY = "crowsnest.json"


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    # context meta is shared down the command chain, so the error handler can see it
    ctx.meta[JSON_META_KEY] = value
    return value


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Machine output: one JSON object per line on stdout (errors as JSON on stderr).",
        callback=_remember_json,
        is_eager=True,
    ),
]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (overrides CROWSNEST_DATABASE_URL and crowsnest.toml).",
        envvar=None,
        show_default=False,
    ),
]


def emit_json(obj: Any) -> None:
    """Write one JSON object as one line on stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
