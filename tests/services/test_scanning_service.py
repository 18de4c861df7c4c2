"""Directory scans: every file reported, bad files do not stop the scan, honest totals."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from crowsnest.core.errors import InvalidInput, NotFound
from crowsnest.services import banks
from crowsnest.services.matching import Matcher
from crowsnest.services.scanning import DirectoryScan, list_files
from crowsnest.testing.samples import sample_path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "a" / "deeper").mkdir(parents=True)
    (root / "b").mkdir()
    shutil.copy(sample_path("shapes.jpg"), root / "a" / "deeper" / "copy.jpg")
    shutil.copy(sample_path("logo_rgba.png"), root / "b" / "logo.png")
    (root / "a" / "empty.png").write_bytes(b"")
    (root / "b" / "truncated.jpg").write_bytes(sample_path("shapes.jpg").read_bytes()[:300])
    (root / "notes.txt").write_text("hello")
    return root


def test_scan_reports_every_file_and_survives_bad_ones(db_session: Session, tree: Path) -> None:
    banks.create_bank(db_session, "b")
    banks.add_media(db_session, "b", sample_path("shapes.png"), labels=["x"])
    ticks: list[tuple[int, int]] = []
    scan = DirectoryScan(db_session, Matcher.build(db_session), tree,
                         progress=lambda done, total: ticks.append((done, total)))
    results = {Path(r.path).relative_to(tree).as_posix(): r for r in scan}
    assert sorted(results) == ["a/deeper/copy.jpg", "a/empty.png", "b/logo.png",
                               "b/truncated.jpg", "notes.txt"]
    assert [m.labels for m in results["a/deeper/copy.jpg"].matches] == [["x"]]
    assert results["b/logo.png"].matches == [] and results["b/logo.png"].error is None
    assert results["notes.txt"].content_type == "file"
    for bad in ("a/empty.png", "b/truncated.jpg"):
        assert results[bad].error is not None and results[bad].error["code"]
        assert set(results[bad].to_dict()) == {"path", "error"}
    summary = scan.summary.to_dict()
    assert {k: summary[k] for k in ("files", "matched", "unreadable")} == {
        "files": 5, "matched": 1, "unreadable": 2}
    assert summary["elapsed"] >= 0 and summary["files_per_second"] >= 0
    assert ticks == [(i, 5) for i in range(1, 6)]


def test_scan_refuses_bad_options_before_touching_files(db_session: Session, tree: Path) -> None:
    matcher = Matcher.build(db_session)
    with pytest.raises(NotFound):
        DirectoryScan(db_session, matcher, tree / "missing")
    with pytest.raises(NotFound):
        DirectoryScan(db_session, matcher, tree, banks=["nope"])
    with pytest.raises(InvalidInput):
        DirectoryScan(db_session, matcher, tree, threshold=99)
    with pytest.raises(InvalidInput):
        DirectoryScan(db_session, matcher, tree, orientations="sideways")  # type: ignore[arg-type]


def test_list_files_is_sorted_and_skips_directory_symlinks(tmp_path: Path) -> None:
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "1").write_text("x")
    (tmp_path / "a").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [p.relative_to(tmp_path).as_posix() for p in list_files(tmp_path)] == ["a", "z/1"]
