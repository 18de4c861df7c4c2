"""The file destination writes JSON Lines once per delivery key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crowsnest.core import registry
from crowsnest.core.errors import InvalidInput
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.file import FileDestination


def test_registered_under_its_name() -> None:
    assert isinstance(registry.get(registry.DESTINATIONS, "file"), FileDestination)
    assert set(registry.plugins(registry.DESTINATIONS)) >= {"file", "email", "crowsnest"}


def test_export_is_idempotent_per_key(tmp_path: Path) -> None:
    dest = FileDestination()
    target = dest.validate_target({"directory": str(tmp_path / "out")})
    first = Delivery("case-1:forward", "hotline_forward", {"url": "https://e.example/", "n": 1}, target)
    assert dest.deliver(first).detail == "exported"
    assert dest.deliver(first).detail == "already exported"
    assert dest.deliver(Delivery("case-2:forward", "hotline_forward", {"n": 2}, target)).ok
    files = list((tmp_path / "out").glob("hotline_forward-*.jsonl"))
    assert len(files) == 1
    lines = [json.loads(line) for line in files[0].read_text().splitlines()]
    assert [(l["key"], l["payload"].get("n")) for l in lines] == [("case-1:forward", 1), ("case-2:forward", 2)]


def test_bad_targets_and_kinds(tmp_path: Path) -> None:
    dest = FileDestination()
    for bad in ({}, {"directory": "relative/dir"}, {"directory": 5}):
        with pytest.raises(InvalidInput):
            dest.validate_target(bad)
    result = dest.deliver(Delivery("k", "../escape", {}, {"directory": str(tmp_path)}))
    assert not result.ok and not result.retryable
    assert list(tmp_path.iterdir()) == []


def test_failure_to_write_is_a_result(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = FileDestination().deliver(Delivery("k", "x", {}, {"directory": str(blocker / "sub")}))
    assert not result.ok and "cannot write" in result.detail
