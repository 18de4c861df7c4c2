"""Lookup over the help directory: every country gets an answer, fallbacks sit beside gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crowsnest.core import directory
from crowsnest.core.directory import Directory, DirectoryError, Kind
from crowsnest.core.errors import InvalidInput

FALLBACKS = [
    {"id": "int-hotline", "kind": "hotline", "name": "Find a hotline", "web": "https://hotlines.example",
     "source": "https://hotlines.example", "verified": True, "checked": "2026-01-01"},
    {"id": "int-helpline", "kind": "helpline", "name": "Find a helpline", "web": "https://help.example",
     "source": "https://help.example", "verified": True, "checked": "2026-01-01"},
]


def _entry(id: str, kind: str, verified: bool, **extra: object) -> dict[str, object]:
    out: dict[str, object] = {"id": id, "kind": kind, "name": id, "source": "https://org.example",
                              "verified": verified, **extra}
    if verified:
        out["checked"] = "2026-01-01"
    return out


def _directory(tmp_path: Path, countries: dict[str, object]) -> Directory:
    (tmp_path / "international.json").write_text(json.dumps(
        {"schema_version": 1, "region": "international", "fallbacks": FALLBACKS}))
    (tmp_path / "region.json").write_text(json.dumps(
        {"schema_version": 1, "region": "test", "countries": countries}))
    return Directory.from_path(tmp_path)


def test_uncovered_country_gets_every_international_fallback(tmp_path: Path) -> None:
    found = _directory(tmp_path, {}).for_country("ke")
    assert found.code == "KE" and not found.covered and found.emergency is None
    assert {e.id for e in found.fallbacks} == {"int-hotline", "int-helpline"}


def test_unverified_entries_come_with_emergency_number_and_fallback(tmp_path: Path) -> None:
    d = _directory(tmp_path, {"XA": {"name": "Testland", "entries": [
        _entry("xa-emergency", "emergency", True, phones=[{"number": "112"}]),
        _entry("xa-helpline", "helpline", False, phones=[{"number": "116111"}]),
        _entry("xa-hotline", "hotline", True, web="https://hotline.example"),
    ]}})
    found = d.for_country("XA")
    assert found.emergency is not None and found.emergency.phones[0].number == "112"
    assert [e.id for e in found.unverified] == ["xa-helpline"]
    # the helpline is unverified, so the international helpline sits beside it; the hotline is fine
    assert [e.id for e in found.fallbacks] == ["int-helpline"]
    assert found.to_dict()["unverified"] == ["xa-helpline"]


def test_hotline_for_prefers_verified_national_hotline_then_fallback(tmp_path: Path) -> None:
    d = _directory(tmp_path, {
        "XA": {"name": "A", "entries": [_entry("xa-hotline", "hotline", True, web="https://a.example")]},
        "XB": {"name": "B", "entries": [_entry("xb-hotline", "hotline", False, web="https://b.example")]},
    })
    assert d.hotline_for("xa").id == "xa-hotline"
    assert d.hotline_for("XB").id == "int-hotline"  # unverified: route to the fallback
    assert d.hotline_for("ZZ").id == "int-hotline"


def test_police_for_returns_only_verified_points(tmp_path: Path) -> None:
    d = _directory(tmp_path, {
        "XA": {"name": "A", "entries": [_entry("xa-police", "police", True, web="https://p.example")]},
        "XB": {"name": "B", "entries": [_entry("xb-police", "police", False, web="https://p.example")]},
    })
    assert d.police_for("XA").id == "xa-police"  # type: ignore[union-attr]
    assert d.police_for("XB") is None
    assert d.police_for("ZZ") is None


@pytest.mark.parametrize("bad", ["", "D", "DEU", "12", "d e"])
def test_malformed_country_codes_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        directory.for_country(bad)


def test_aliases_uk_and_el() -> None:
    assert directory.for_country(" uk ").code == "GB"
    assert directory.for_country("el").code == "GR"


def test_directory_without_a_hotline_fallback_is_refused(tmp_path: Path) -> None:
    (tmp_path / "international.json").write_text(json.dumps(
        {"schema_version": 1, "region": "international", "fallbacks": FALLBACKS[1:]}))
    with pytest.raises(DirectoryError, match="hotline"):
        Directory.from_path(tmp_path)


def test_broken_json_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(DirectoryError, match="not valid JSON"):
        Directory.from_path(tmp_path)


def test_shipped_directory_answers_for_covered_and_uncovered_countries() -> None:
    germany = directory.for_country("DE")
    assert germany.covered and germany.emergency is not None
    assert any(p.number == "116 111" for e in germany.helplines for p in e.phones)
    assert directory.hotline_for("DE").country == "DE"
    kenya = directory.for_country("KE")
    assert not kenya.covered and {e.kind for e in kenya.fallbacks} == {Kind.HELPLINE, Kind.HOTLINE}
    assert directory.hotline_for("KE").country == "international"


def test_every_shipped_country_has_an_emergency_number() -> None:
    shipped = directory.default_directory()
    assert len(shipped.countries) >= 80
    for code in shipped.countries:
        found = directory.for_country(code)
        assert found.emergency is not None and found.emergency.phones, code
        # an unverified helpline or hotline always comes with the emergency number and, beside
        # it, either a verified entry of the same kind or the international fallback
        verified = {e.kind for e in found.helplines + found.hotlines if e.verified}
        fallback = {e.kind for e in found.fallbacks}
        for entry in found.unverified:
            if entry.kind in (Kind.HELPLINE, Kind.HOTLINE):
                assert entry.kind in verified | fallback, (code, entry.id)
