"""Notice templates exist for every kind and language, render fully and stay one-line safe."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.core.notices import FIELDS, KINDS, LANGUAGES, render

FIELDS_OK = {
    "recipient": "Host BV abuse desk", "sender_name": "Hotline NL",
    "sender_email": "hotline@nl.example", "url": "https://files.example/v/1",
    "ip": "192.0.2.10", "hosting_country": "NL", "reported_at": "2026-01-01T10:00Z",
    "assessed_at": "2026-01-01T12:00Z", "reference": "NL-2026-000123",
    "classification": "inhope:baseline",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_every_field(kind: str, language: str) -> None:
    notice = render(kind, language, FIELDS_OK)
    assert notice.language == language and notice.kind == kind
    assert "$" not in notice.subject + notice.text
    assert "NL-2026-000123" in notice.subject
    for name in ("url", "reference", "sender_email", "reported_at", "assessed_at"):
        assert FIELDS_OK[name] in notice.text, (kind, language, name)


def test_languages_differ_and_unknown_language_falls_back() -> None:
    texts = {lang: render("takedown_notice", lang, FIELDS_OK).text for lang in LANGUAGES}
    assert len(set(texts.values())) == len(LANGUAGES)
    assert render("takedown_notice", "pt-BR", FIELDS_OK).language == "pt"
    assert render("takedown_notice", "th", FIELDS_OK).language == "en"
    assert render("takedown_notice", None, FIELDS_OK).language == "en"


def test_field_values_cannot_inject_lines() -> None:
    evil = dict(FIELDS_OK, reference="X\r\nBcc: someone@example.com", recipient="A\nB")
    notice = render("hotline_forward", "en", evil)
    assert "\n" not in notice.subject and "\r" not in notice.subject
    assert "Dear colleagues at A B," in notice.text


def test_missing_and_bad_fields() -> None:
    partial = {k: v for k, v in FIELDS_OK.items() if k not in ("url", "ip")}
    with pytest.raises(InvalidInput, match="needs url"):
        render("takedown_notice", "en", partial)
    assert "IP address: —" in render("takedown_notice", "en", dict(FIELDS_OK, ip=None)).text
    with pytest.raises(InvalidInput, match="unknown notice kind"):
        render("ransom_note", "en", FIELDS_OK)
    with pytest.raises(InvalidInput, match="longer than"):
        render("takedown_notice", "en", dict(FIELDS_OK, url="x" * 5000))
    assert set(FIELDS) == set(FIELDS_OK)
