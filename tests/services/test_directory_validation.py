"""``services.directory.validate``: the shipped directory is clean; each rule catches its planted fault."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from crowsnest.services import directory as service

TODAY = date(2026, 11, 28)


def _good_document() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "region": "test",
        "countries": {"DE": {"name": "Germany", "entries": [
            {"id": "de-emergency", "kind": "emergency", "name": "112", "phones": [{"number": "112"}],
             "source": "https://ec.example/112", "verified": True, "checked": "2026-11-01"},
            {"id": "de-helpline", "kind": "helpline", "name": "Helpline", "languages": ["de"],
             "phones": [{"number": "116 111"}, {"number": "0800 111 0 333"}],
             "web": "https://helpline.example", "source": "https://helpline.example/about",
             "verified": True, "checked": "2026-06-01"},
        ]}},
        "fallbacks": [
            {"id": "int-hotline", "kind": "hotline", "name": "Hotlines", "web": "https://h.example",
             "source": "https://h.example", "verified": True, "checked": "2026-11-01"},
        ],
    }


def _validate(tmp_path: Path, doc: dict[str, Any]) -> service.ValidationReport:
    path = tmp_path / "test.json"
    path.write_text(json.dumps(doc))
    return service.validate(path, today=TODAY)


def _rules(report: service.ValidationReport, level: str) -> set[str]:
    return {f.rule for f in report.findings if f.level == level}


def _helpline(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["countries"]["DE"]["entries"][1]


def test_shipped_directory_validates_without_errors() -> None:
    report = service.validate()
    assert report.ok, [f for f in report.errors]
    assert report.countries >= 80 and report.verified > 0
    # every unverified entry is listed as a warning, so maintainers see what still needs checking
    assert sum(f.rule == "unverified" for f in report.warnings) == report.entries - report.verified


def test_good_document_is_clean(tmp_path: Path) -> None:
    report = _validate(tmp_path, _good_document())
    assert report.findings == [] and report.ok and report.entries == 3


def test_bad_phone_number_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc)["phones"] = [{"number": "12"}]
    report = _validate(tmp_path, doc)
    assert not report.ok and "phone" in _rules(report, "error")


def test_wrong_emergency_number_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    doc["countries"]["DE"]["entries"][0]["phones"] = [{"number": "0800 111 0 333"}]
    report = _validate(tmp_path, doc)
    assert "phone" in _rules(report, "error")


def test_unknown_country_code_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    doc["countries"]["XQ"] = doc["countries"].pop("DE")
    report = _validate(tmp_path, doc)
    assert "country" in _rules(report, "error")


def test_plain_http_url_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc)["web"] = "http://helpline.example"
    report = _validate(tmp_path, doc)
    assert "url" in _rules(report, "error")


def test_stale_checked_date_is_a_warning_not_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc)["checked"] = "2025-10-01"
    report = _validate(tmp_path, doc)
    assert report.ok and "stale" in _rules(report, "warning")


def test_future_checked_date_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc)["checked"] = "2027-01-01"
    assert "checked" in _rules(_validate(tmp_path, doc), "error")


def test_missing_source_is_a_schema_error(tmp_path: Path) -> None:
    doc = _good_document()
    del _helpline(doc)["source"]
    report = _validate(tmp_path, doc)
    assert "schema" in _rules(report, "error")


def test_verified_without_checked_date_is_a_schema_error(tmp_path: Path) -> None:
    doc = _good_document()
    del _helpline(doc)["checked"]
    assert "schema" in _rules(_validate(tmp_path, doc), "error")


def test_unverified_entry_is_flagged(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc).update(verified=False, note="seen only on a news page")
    del _helpline(doc)["checked"]
    report = _validate(tmp_path, doc)
    assert report.ok and "unverified" in _rules(report, "warning")


def test_unknown_language_code_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc)["languages"] = ["xx"]
    assert "language" in _rules(_validate(tmp_path, doc), "error")


def test_duplicate_ids_and_names_are_errors(tmp_path: Path) -> None:
    doc = _good_document()
    doc["countries"]["DE"]["entries"].append(dict(_helpline(doc)))
    report = _validate(tmp_path, doc)
    assert [f.rule for f in report.errors].count("duplicate") == 2


def test_country_without_emergency_entry_is_an_error(tmp_path: Path) -> None:
    doc = _good_document()
    doc["countries"]["DE"]["entries"].pop(0)
    assert "emergency" in _rules(_validate(tmp_path, doc), "error")


def test_unknown_field_is_a_schema_error(tmp_path: Path) -> None:
    doc = _good_document()
    _helpline(doc)["phone"] = "116111"  # typo for "phones"
    assert "schema" in _rules(_validate(tmp_path, doc), "error")


def test_invalid_json_file_is_reported_and_others_still_checked(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{oops")
    (tmp_path / "b.json").write_text(json.dumps(_good_document()))
    report = service.validate(tmp_path, today=TODAY)
    assert report.files == 2 and report.entries == 3 and "schema" in _rules(report, "error")


@pytest.mark.parametrize(("number", "region", "level"), [
    ("116 111", "DE", None),            # valid short number in phonenumbers' metadata
    ("+49 800 1110333", "DE", None),    # full international form
    ("116", "ZA", "warning"),           # possible short code that the metadata does not list
    ("911", "US", None),
    ("1-800-668-6868", "CA", None),
    ("0800 1111", "FR", "error"),       # a UK number is not valid in France
])
def test_check_phone(number: str, region: str, level: str | None) -> None:
    found = service.check_phone(number, region, "helpline")
    assert [lvl for lvl, _ in found] == ([level] if level else [])


def test_international_numbers_need_plus_form() -> None:
    assert service.check_phone("0800 1111", "international", "hotline")[0][0] == "error"
    assert service.check_phone("+44 800 1111", "international", "hotline") == []
