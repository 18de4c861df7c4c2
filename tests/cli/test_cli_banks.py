"""The ``crowsnest`` command on a fresh SQLite file: banks, hashes, lists, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crowsnest.cli.main import app
from crowsnest.testing.samples import sample_path

PDQ = "e70e9c3973cf2370cb461e3173ebcdb96586c63118cb7389ae36ac40a64c51ab"


class Cli:
    """Runs crowsnest commands in-process against one database."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, stdin: str | None = None):  # noqa: ANN204
        result = self.runner.invoke(app, [*args, "--db", self.db], input=stdin)
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, code: int = 0) -> list[dict]:
        result = self(*args, "--json", code=code)
        return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def cli(sqlite_url: str) -> Cli:
    return Cli(sqlite_url)


def test_first_command_creates_the_schema_and_bank_lifecycle_works(cli: Cli) -> None:
    assert "no banks yet" in cli("bank", "list").stdout
    created = cli.json("bank", "create", "known", "--description", "test", "--pdq-threshold", "20")
    assert created[0]["name"] == "known" and created[0]["pdq_threshold"] == 20
    cli("bank", "rename", "known", "renamed")
    cli("bank", "disable", "renamed")
    listed = cli.json("bank", "list")
    assert [(b["name"], b["enabled"]) for b in listed] == [("renamed", False)]
    cli("bank", "enable", "renamed")
    cli("bank", "set-threshold", "renamed", "default")
    assert cli.json("bank", "show", "renamed")[0]["pdq_threshold"] is None
    assert "renamed" in cli("bank", "list").stdout
    cli("bank", "delete", "renamed", code=1, stdin="n\n")  # declined at the prompt
    cli("bank", "delete", "renamed", "--yes")
    assert cli.json("bank", "list") == []


def test_bad_input_exits_2_with_a_clear_message(cli: Cli) -> None:
    cli("bank", "create", "b")
    assert "already exists" in cli("bank", "create", "b", code=2).stderr
    assert "no bank named 'x'" in cli("bank", "rename", "x", "y", code=2).stderr
    short = cli("bank", "add-hash", "b", "pdq", PDQ[:-2], code=2)
    assert short.stderr.startswith("error: ")
    unknown = cli("bank", "add-hash", "b", "nohash", PDQ, "--json", code=2)
    assert json.loads(unknown.stderr)["error"]["code"] == "unknown_signal_type"
    cli("bank", "set-threshold", "b", "99", code=2)
    assert cli.json("bank", "list")[0]["entry_counts"] == {}


def test_add_hash_merges_and_entries_can_be_disabled(cli: Cli) -> None:
    cli("bank", "create", "b")
    first = cli.json("bank", "add-hash", "b", "pdq", PDQ.upper(), "--label", "industry:A1")[0]
    assert first["created"] and first["entry"]["value"] == PDQ
    again = cli.json("bank", "add-hash", "b", "pdq", PDQ, "-l", "other")[0]
    assert not again["created"] and again["entry"]["labels"] == ["industry:A1", "other"]
    entry_id = str(first["entry"]["id"])
    cli("bank", "disable-entry", entry_id)
    assert cli.json("bank", "entries", "b")[0]["enabled"] is False
    cli("bank", "enable-entry", entry_id)
    cli("bank", "remove-entry", entry_id)
    cli("bank", "remove-entry", entry_id, code=2)


def test_add_media_is_all_or_nothing_unless_skip_invalid(cli: Cli, tmp_path: Path) -> None:
    cli("bank", "create", "b")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    good = str(sample_path("shapes.jpg"))
    refused = cli("bank", "add", "b", good, str(broken), code=2)
    assert "nothing was added" in refused.stderr
    assert cli.json("bank", "list")[0]["entry_counts"] == {}
    lines = cli.json("bank", "add", "b", good, str(broken), "--skip-invalid", code=2)
    assert {line["entry"]["signal_type"] for line in lines if "entry" in line} == {
        "pdq", "md5", "sha256"}
    assert [line["path"] for line in lines if "error" in line] == [str(broken)]


def test_import_and_export(cli: Cli, tmp_path: Path) -> None:
    cli("bank", "create", "b")
    good = tmp_path / "list.csv"
    good.write_text(f"signal_type,value,labels\npdq,{PDQ},a;b\nmd5,{'a' * 32},\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"signal_type,value\nmd5,{'b' * 32}\nmd5,nothex\n")
    report = cli.json("bank", "import", "b", str(good))[0]
    assert (report["format"], report["inserted"], report["skipped"]) == ("csv", 2, 0)
    refused = cli("bank", "import", "b", str(bad), code=2)
    assert "line 3" in refused.stderr
    bad_row, skipped = cli.json("bank", "import", "b", str(bad), "--skip-invalid")
    assert bad_row["skipped"]["line"] == 3
    assert (skipped["inserted"], skipped["skipped"]) == (1, 1)
    exported = cli("bank", "export", "b", "--format", "te").stdout.splitlines()
    assert sorted(exported) == sorted([f"pdq {PDQ}", f"md5 {'a' * 32}", f"md5 {'b' * 32}"])
    out = tmp_path / "out.jsonl"
    cli("bank", "export", "b", "-f", "jsonl", "-o", str(out))
    assert len(out.read_text().splitlines()) == 3
    cli("bank", "import", "b", str(tmp_path / "missing.csv"), code=2)
    cli("bank", "export", "b", "--format", "nope", code=2)
