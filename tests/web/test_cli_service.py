"""`crowsnest apikey` and `crowsnest serve --help` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crowsnest.cli.main import app
from crowsnest.core import apikeys


def test_apikey_create_list_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'keys.db'}"
    runner = CliRunner()
    created = runner.invoke(app, ["apikey", "create", "team", "--scope", "curate", "--db", db])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert apikeys.parse_key_id(key) is not None
    listed = runner.invoke(app, ["apikey", "list", "--json", "--db", db])
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["name"], row["scopes"], row["active"]) == ("team", ["curate"], True)
    assert key not in listed.stdout  # never shown again
    duplicate = runner.invoke(app, ["apikey", "create", "team", "-s", "match", "--db", db])
    assert duplicate.exit_code == 2
    bad_scope = runner.invoke(app, ["apikey", "create", "x", "-s", "root", "--db", db])
    assert bad_scope.exit_code == 2
    revoked = runner.invoke(app, ["apikey", "revoke", "team", "--json", "--db", db])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["active"] is False
    assert runner.invoke(app, ["apikey", "revoke", "nobody", "--db", db]).exit_code == 2


def test_serve_help() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--workers" in result.stdout and "--port" in result.stdout
