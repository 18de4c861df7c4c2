"""``services.directory_status``: the docs' verification status is generated from the data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crowsnest.cli.main import app
from crowsnest.core.errors import InvalidInput
from crowsnest.services import directory_status as status

DOCS = Path(__file__).resolve().parents[2] / "docs" / "directory.md"
runner = CliRunner()


def _entry(ident: str, kind: str, verified: bool, **extra: Any) -> dict[str, Any]:
    entry = {"id": ident, "kind": kind, "name": ident, "source": f"https://{ident}.example/page",
             "verified": verified, "phones": [{"number": "112" if kind == "emergency"
                                                else "116 111"}], **extra}
    if verified:
        entry["checked"] = "2026-11-01"
    return entry


def _directory(tmp_path: Path) -> Path:
    doc = {"schema_version": 1, "region": "test", "countries": {
        "DE": {"name": "Germany", "entries": [
            _entry("de-emergency", "emergency", True),
            _entry("de-helpline", "helpline", True),
        ]},
        "FR": {"name": "France", "entries": [
            _entry("fr-emergency", "emergency", False,
                   source="https://github.com/google/libphonenumber/x.xml"),
            _entry("fr-helpline", "helpline", False, note="seen only in the  press"),
        ]},
    }}
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "test.json").write_text(json.dumps(doc))
    return folder


def test_render_counts_lists_and_groups(tmp_path: Path) -> None:
    text = status.render(_directory(tmp_path))
    assert text.startswith(status.BEGIN) and text.endswith(status.END)
    assert "| `test.json` | test | 2 | 4 | 2 | 2 |" in text
    assert "- `de-helpline`: de-helpline.example" in text
    assert "- `de-emergency`: de-emergency.example" in text
    assert "libphonenumber's emergency metadata" in text and ": FR." in text
    assert "- `fr-helpline`: seen only in the press" in text  # whitespace collapsed
    assert "fr-emergency" not in text  # summarised in the libphonenumber line


def test_update_rewrites_only_the_marked_section(tmp_path: Path) -> None:
    folder = _directory(tmp_path)
    doc = tmp_path / "doc.md"
    doc.write_text(f"# Title\n\nbefore\n\n{status.BEGIN}\nold\n{status.END}\n\nafter\n")
    assert not status.is_current(doc, folder)
    assert status.update(doc, folder) is True
    text = doc.read_text()
    assert text.startswith("# Title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert "old" not in text and status.is_current(doc, folder)
    assert status.update(doc, folder) is False


def test_missing_markers_are_bad_input(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("no markers here\n")
    with pytest.raises(InvalidInput):
        status.update(doc, _directory(tmp_path))


def test_directory_with_errors_is_refused(tmp_path: Path) -> None:
    folder = _directory(tmp_path)
    (folder / "broken.json").write_text("{not json")
    with pytest.raises(InvalidInput):
        status.render(folder)


def test_shipped_docs_status_is_current() -> None:
    # Fails when entries changed without `crowsnest directory status --write docs/directory.md`.
    result = runner.invoke(app, ["directory", "status", "--check", str(DOCS)])
    assert result.exit_code == 0, result.output
