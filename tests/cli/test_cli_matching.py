"""``crowsnest hash|match|scan|db|demo``: output shapes, exit codes, PostgreSQL safety."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from typer.testing import CliRunner

from crowsnest.cli.main import app
from crowsnest.testing.samples import sample_path

runner = CliRunner()


def run(*args: str, code: int = 0):  # noqa: ANN201
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


def lines(result) -> list[dict]:  # noqa: ANN001
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_hash_reports_each_file_and_fails_only_for_bad_ones(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    good, text = sample_path("shapes.jpg"), sample_path("not_media.txt")
    out = lines(run("hash", str(good), str(empty), str(text), "--json", code=2))
    assert [o["path"] for o in out] == [str(good), str(empty), str(text)]
    assert out[0]["content_type"] == "photo"
    assert set(out[0]["signals"]) == {"pdq", "md5", "sha256"}
    assert set(out[0]["signals"]["pdq"]) >= {"hash", "quality"}
    assert set(out[1]) == {"path", "error"} and set(out[1]["error"]) >= {"code", "message"}
    assert set(out[2]["signals"]) == {"md5", "sha256"}
    assert run("hash", str(good)).stdout.count("pdq") == 1
    assert "--json" in run("hash", "--help").stdout


@pytest.fixture
def mirrored(tmp_path: Path) -> Path:
    with Image.open(sample_path("shapes.png")) as image:
        path = tmp_path / "scan" / "sub" / "mirrored.jpg"
        path.parent.mkdir(parents=True)
        ImageOps.mirror(image.convert("RGB")).save(path, quality=90)
    return path


def test_match_finds_mirrored_copies_with_all_orientations(
    sqlite_url: str, mirrored: Path,
) -> None:
    run("bank", "create", "b", "--db", sqlite_url)
    run("bank", "add", "b", str(sample_path("shapes.png")), "-l", "x", "--db", sqlite_url)
    found = lines(run("match", str(mirrored), "--json", "--db", sqlite_url))
    assert found[0]["path"] == str(mirrored)
    (item,) = found[0]["matches"]
    assert set(item) == {"bank", "entry_id", "signal_type", "distance", "labels", "variant"}
    assert (item["bank"], item["signal_type"], item["labels"]) == ("b", "pdq", ["x"])
    original = lines(run("match", str(mirrored), "--orientations", "original", "--json",
                         "--db", sqlite_url))
    assert original[0]["matches"] == []
    strict = lines(run("match", str(mirrored), "--threshold", "0", "--json", "--db", sqlite_url))
    assert [m["distance"] for m in strict[0]["matches"]] == [0] * len(strict[0]["matches"])
    assert "1 of 1 files matched" in run("match", str(mirrored), "--db", sqlite_url).stdout
    run("match", str(mirrored), "--bank", "nope", "--db", sqlite_url, code=2)
    run("match", str(mirrored), "--threshold", "500", "--db", sqlite_url, code=2)
    run("match", str(mirrored), "--orientations", "some", "--db", sqlite_url, code=2)


def test_scan_prints_results_and_a_summary(sqlite_url: str, mirrored: Path) -> None:
    root = mirrored.parent.parent
    shutil.copy(sample_path("logo_rgba.png"), root / "logo.png")
    (root / "zero.png").write_bytes(b"")
    run("bank", "create", "b", "--db", sqlite_url)
    run("bank", "add", "b", str(sample_path("shapes.png")), "--db", sqlite_url)
    out = lines(run("scan", str(root), "--json", "--db", sqlite_url))
    assert out[-1] == {"summary": {**out[-1]["summary"], "files": 3, "matched": 1,
                                   "unreadable": 1}}
    by_path = {o["path"]: o for o in out[:-1]}
    assert len(by_path[str(mirrored)]["matches"]) == 1
    assert "error" in by_path[str(root / "zero.png")]
    human = run("scan", str(root), "--db", sqlite_url).stdout
    assert "scanned 3 files" in human and "1 matched, 1 unreadable" in human
    run("scan", str(root / "missing"), "--db", sqlite_url, code=2)


def test_db_upgrade_and_status_on_sqlite(sqlite_url: str) -> None:
    from crowsnest.db.migrate import head_revisions

    heads = head_revisions()  # later migrations (service, hotline) extend the chain
    upgraded = run("db", "upgrade", "--db", sqlite_url).stdout
    assert all(head in upgraded for head in heads)
    assert "up to date" in run("db", "upgrade", "--db", sqlite_url).stdout
    status = lines(run("db", "status", "--json", "--db", sqlite_url))[0]
    assert status["up_to_date"] is True and set(status["current"]) == heads


@pytest.mark.postgres
def test_postgres_is_never_migrated_silently(empty_postgres_url: str) -> None:
    refused = run("bank", "list", "--db", empty_postgres_url, code=3)
    assert "crowsnest db upgrade" in refused.stderr
    assert "has no crowsnest schema" in refused.stderr
    assert lines(run("db", "status", "--json", "--db", empty_postgres_url))[0]["current"] == []
    plain_url = empty_postgres_url.replace("postgresql+psycopg://", "postgresql://")
    run("db", "upgrade", "--db", plain_url)
    run("bank", "create", "b", "--db", empty_postgres_url)
    assert lines(run("bank", "list", "--json", "--db", plain_url))[0]["name"] == "b"


def test_unreachable_database_exits_3() -> None:
    result = run("bank", "list", "--db", "postgresql://nobody@127.0.0.1:1/none", code=3)
    assert "cannot use the database" in result.stderr


def test_demo_runs_on_a_fresh_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = run("demo").stdout
    assert (tmp_path / "crowsnest-demo.db").exists()
    assert "transformed copies matched their sample, 0 unrelated images matched" in out
    assert "mirror_left_right" in out
    again = lines(run("demo", "--json"))  # a second run starts from a fresh file again
    assert again[-1]["summary"]["unreadable"] == 1
    copies = [o for o in again[:-1] if o["origin"]]
    assert sum(bool(o.get("matches")) for o in copies) >= len(copies) * 3 // 4
