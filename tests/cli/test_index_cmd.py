"""``crowsnest index snapshot|status`` on a SQLite file, and a service restart that uses it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from crowsnest.config import Settings
from crowsnest.services.runtime import ServiceRuntime
from crowsnest.web.app import create_app
from tests.cli.test_cli_banks import PDQ, Cli


def _index_state(url: str) -> dict:
    settings = Settings(database_url=url, run_background_workers=False)
    runtime = ServiceRuntime.from_settings(settings)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        state = client.get("/readyz").json()
        status = runtime.index.status().to_dict()
    runtime.engine.dispose()
    return {"ready": state, **status}


def test_snapshot_status_and_restart(sqlite_url: str, tmp_path: Path) -> None:
    cli = Cli(sqlite_url)
    cli("bank", "create", "known")
    cli("bank", "add-hash", "known", "pdq", PDQ)
    assert "no snapshot yet" in cli("index", "status").stdout

    written = cli.json("index", "snapshot")[0]
    assert written["written"] == ["pdq"] and written["loaded_from"] == "database"
    status = cli.json("index", "status")[0]
    assert status["directory"] == f"{tmp_path / 'crowsnest.db'}.index"
    assert [(i["signal_type"], i["usable"], i["changes_behind"]) for i in status["indexes"]] == [
        ("pdq", True, 0)]

    # a service started on this database maps the snapshot instead of rebuilding
    state = _index_state(sqlite_url)
    assert state["loaded_from"] == "snapshot" and state["sizes"]["pdq"] == 1

    cli("bank", "add-hash", "known", "pdq", "0" * 64)
    status = cli.json("index", "status")[0]
    assert status["indexes"][0]["changes_behind"] == 1 and status["indexes"][0]["usable"]
    again = _index_state(sqlite_url)  # caught up from the change log
    assert again["loaded_from"] == "snapshot" and again["sizes"]["pdq"] == 2
    # shutting down wrote the newer snapshot
    assert cli.json("index", "status")[0]["indexes"][0]["changes_behind"] == 0


def test_snapshots_off_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("CROWSNEST_INDEX_DIR", "off")
    result = Cli(f"sqlite:///{tmp_path / 'x.db'}")("index", "status", code=2)
    assert "index snapshots are off" in result.stderr
