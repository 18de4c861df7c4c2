"""The ``crowsnest directory`` commands, driven through the real CLI app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crowsnest.cli.main import app

runner = CliRunner()


def test_validate_shipped_directory_exits_zero() -> None:
    result = runner.invoke(app, ["directory", "validate"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_validate_json_output_ends_with_summary() -> None:
    result = runner.invoke(app, ["directory", "validate", "--json"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[-1]["summary"]["ok"] is True
    assert all("finding" in line for line in lines[:-1])


def test_validate_bad_file_exits_nonzero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "region": "x", "countries": {"QQ": {
        "name": "Nowhere", "entries": [{"id": "qq", "kind": "emergency", "name": "x",
                                         "phones": [{"number": "112"}], "source": "http://x.example",
                                         "verified": False}]}}}))
    result = runner.invoke(app, ["directory", "validate", str(bad)])
    assert result.exit_code == 2
    assert "[country]" in result.output and "[url]" in result.output


def test_show_covered_country() -> None:
    result = runner.invoke(app, ["directory", "show", "de"])
    assert result.exit_code == 0
    assert "116 111" in result.output and "112" in result.output


def test_show_uncovered_country_lists_fallbacks_as_json() -> None:
    result = runner.invoke(app, ["directory", "show", "KE", "--json"])
    data = json.loads(result.stdout)
    assert data["covered"] is False and data["name"] == "Kenya"
    assert {e["kind"] for e in data["fallbacks"]} == {"helpline", "hotline"}


def test_show_unknown_code_is_bad_input() -> None:
    result = runner.invoke(app, ["directory", "show", "ZZ"])
    assert result.exit_code == 2
