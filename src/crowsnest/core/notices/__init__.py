"""Notices and forwards rendered from per-language text templates.

Templates are ``templates/<language>/<kind>.txt`` (``string.Template`` syntax; the first
line is ``Subject: ...``). Kinds: ``takedown_notice`` (to a hosting provider),
``hotline_forward`` (to another hotline) and ``police_referral``. Languages: en, fr, es,
de, pt; an unknown language falls back to English. Field values are flattened to one line
each, so nothing a reporter typed can add lines or headers to a message.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from crowsnest.core.errors import InvalidInput

KINDS = ("takedown_notice", "hotline_forward", "police_referral")
LANGUAGES = ("en", "fr", "es", "de", "pt")
DEFAULT_LANGUAGE = "en"
FIELDS = ("recipient", "sender_name", "sender_email", "url", "ip", "hosting_country",
          "reported_at", "assessed_at", "reference", "classification")
MAX_FIELD_LENGTH = 4096
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True)
class RenderedNotice:
    """A message ready to send: its language, subject and plain-text body."""

    kind: str
    language: str
    subject: str
    text: str

    def as_payload(self) -> dict[str, str]:
        return {"kind": self.kind, "language": self.language, "subject": self.subject,
                "text": self.text}


@cache
def message_template(package: str, kind: str, language: str
                     ) -> tuple[string.Template, string.Template]:
    """``package``'s ``templates/<language>/<kind>.txt`` as (subject, body) templates."""
    source = resources.files(package).joinpath("templates", language, f"{kind}.txt")
    first, _, body = source.read_text(encoding="utf-8").partition("\n")
    if not first.startswith("Subject: "):
        raise InvalidInput(f"template {language}/{kind} does not start with a Subject line")
    return string.Template(first.removeprefix("Subject: ")), string.Template(body)


def render(kind: str, language: str | None, fields: dict[str, Any]) -> RenderedNotice:
    """Render ``kind`` in ``language`` (English if not available) with ``fields``."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown notice kind {kind!r} (known: {', '.join(KINDS)})")
    lang = (language or DEFAULT_LANGUAGE).lower().split("-")[0].split("_")[0]
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    missing = [name for name in FIELDS if fields.get(name) in (None, "")]
    values = {name: one_line(fields.get(name), name) for name in FIELDS}
    for name in missing:
        values[name] = "—" if name in ("ip", "classification") else values[name]
    still_missing = [name for name in missing if name not in ("ip", "classification")]
    if still_missing:
        raise InvalidInput(f"a {kind} needs {', '.join(still_missing)}",
                           detail={"missing": still_missing})
    subject, body = message_template(__package__, kind, lang)
    return RenderedNotice(kind, lang, subject.substitute(values), body.substitute(values))


def one_line(value: Any, name: str) -> str:
    """``value`` as one line of text (line breaks folded), refused if too long."""
    text = "" if value is None else str(value)
    if len(text) > MAX_FIELD_LENGTH:
        raise InvalidInput(f"notice field {name} is longer than {MAX_FIELD_LENGTH} characters")
    return _LINE_BREAKS.sub(" ", text).strip()
