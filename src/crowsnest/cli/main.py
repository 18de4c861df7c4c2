"""Entry point of the ``crowsnest`` command: assembles the sub-commands and maps errors.

Every :class:`~crowsnest.core.errors.CrowsnestError` raised below is rendered here once:
a readable message on stderr (or a JSON object with ``--json``) and the error's exit code
(1 general, 2 bad input, 3 external dependency).
"""

from __future__ import annotations

import json
import sys
from importlib import import_module

import typer
from typer.core import TyperGroup

from crowsnest import __version__
from crowsnest.cli.common import JSON_META_KEY
from crowsnest.core.errors import CrowsnestError


def render_error(error: CrowsnestError, as_json: bool) -> None:
    """Print ``error`` for a person, or as one JSON line for a machine."""
    if as_json:
        print(json.dumps({"error": error.to_dict()}), file=sys.stderr)
    else:
        print(f"error: {error.message}", file=sys.stderr)


class CrowsnestGroup(TyperGroup):
    """Command group that maps crowsnest errors to a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except CrowsnestError as error:
            render_error(error, bool(ctx.meta.get(JSON_META_KEY)))
            raise typer.Exit(error.exit_code) from None


app = typer.Typer(
    cls=CrowsnestGroup,
    name="crowsnest",
    help="Hash media, match it against hash banks, handle hotline reports and find help.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)



def _print_version(value: bool) -> None:
    if value:
        print(f"crowsnest {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_print_version,
        is_eager=True,
    ),
) -> None:
    """Hash media, match it against hash banks, handle hotline reports and find help."""


# Each module below defines ``register(app)``; adding a command group is one line here.
COMMAND_MODULES: list[str] = [
    "hash_cmd",
    "bank_cmd",
    "match_cmd",
    "scan_cmd",
    "db_cmd",
    "demo_cmd",
    "directory_cmd",
    "apikey_cmd",
    "serve_cmd",
    "index_cmd",
    "hotline_cmd",
]

for _module in COMMAND_MODULES:
    import_module(f"crowsnest.cli.{_module}").register(app)


def main() -> None:
    """Run the CLI (errors are mapped by :class:`CrowsnestGroup`)."""
    app()
