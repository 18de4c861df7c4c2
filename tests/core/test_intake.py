"""Public report validation: every field checked, all problems reported together."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.core.intake import MAX_URLS, check_country_code, validate_submission


def test_a_full_valid_report() -> None:
    got = validate_submission({
        "urls": ["HTTP://Files.Example/v/1?utm_source=x", "https://files.example/v/1#top",
                 "files.example/v/2"],
        "where_seen": "file_sharing", "description": "  seen in a forum\x00 ",
        "reporter_country": "nl", "reporter_language": "pt-BR",
        "contact_email": "someone@example.org",
    })
    assert [u.normalized for u in got.urls] == ["http://files.example/v/1", "http://files.example/v/2"]
    assert got.urls[0].raw == "HTTP://Files.Example/v/1?utm_source=x"
    assert (got.where_seen, got.description, got.reporter_country, got.reporter_language,
            got.contact_email) == ("file_sharing", "seen in a forum", "NL", "pt-BR", "someone@example.org")


def test_minimal_report_defaults() -> None:
    got = validate_submission({"urls": "https://example.com/x"})
    assert got.where_seen == "other" and got.contact_email is None and len(got.urls) == 1


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_submission({
            "urls": ["https://ok.example/", "ftp://bad.example/", "http://"],
            "where_seen": "tv", "description": "x" * 6000, "reporter_country": "XX",
            "reporter_language": "english!", "contact_email": "nobody", "file": "bytes",
        })
    fields = caught.value.detail["fields"]
    assert set(fields) == {"_", "urls[1]", "urls[2]", "where_seen", "description",
                           "reporter_country", "reporter_language", "contact_email"}
    assert "media uploads are refused" in fields["_"]
    assert "(and 7 more)" in caught.value.message


def test_too_many_urls_and_none() -> None:
    many = [f"https://example.com/{i}" for i in range(10_000)]
    with pytest.raises(InvalidInput) as caught:
        validate_submission({"urls": many})
    assert f"at most {MAX_URLS} URLs" in caught.value.detail["fields"]["urls"]
    for empty in ({}, {"urls": []}, {"urls": 5}):
        with pytest.raises(InvalidInput):
            validate_submission(empty)
    with pytest.raises(InvalidInput):
        validate_submission(["https://example.com/"])  # type: ignore[arg-type]


def test_country_codes() -> None:
    assert check_country_code(" de ") == "DE"
    for bad in ("XX", "UK", "DEU", "1A", None):
        with pytest.raises(InvalidInput):
            check_country_code(bad)  # type: ignore[arg-type]
