"""Reporter feedback templates: every status and language renders, says nothing more."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.core.feedback import LANGUAGES, STATUSES, language_of, render_feedback

FIELDS = {"sender_name": "Hotline Example", "reported_at": "2026-11-30", "retention_days": 90}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders(status: str, language: str) -> None:
    notice = render_feedback(status, language, FIELDS)
    assert notice.language == language and notice.kind == f"feedback_{status}"
    assert "$" not in notice.subject + notice.text
    assert "Hotline Example" in notice.subject and "2026-11-30" in notice.text
    assert " 90 " in notice.text


def test_statuses_and_languages_differ() -> None:
    texts = {(s, lang): render_feedback(s, lang, FIELDS).text
             for s in STATUSES for lang in LANGUAGES}
    assert len(set(texts.values())) == len(texts)


def test_language_fallback() -> None:
    assert language_of("pt-BR") == "pt" and language_of("th_TH") == "th"
    assert language_of("ar") == "en" and language_of(None) == "en"
    assert render_feedback("closed", "xx", FIELDS).language == "en"


def test_bad_input() -> None:
    with pytest.raises(InvalidInput, match="not 'received'"):
        render_feedback("received", "en", FIELDS)
    with pytest.raises(InvalidInput, match="needs reported_at"):
        render_feedback("assessed", "en", dict(FIELDS, reported_at=""))
    folded = render_feedback("assessed", "en", dict(FIELDS, sender_name="A\r\nBcc: x@y.example"))
    assert "\n" not in folded.subject and "\r" not in folded.subject
