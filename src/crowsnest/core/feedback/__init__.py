"""What a reporter who left an e-mail address is told, and nothing more.

A public report may carry a contact address "for feedback". Feedback says only what the
receipt page says -- the report was assessed, or it is closed -- never what was found,
where it is hosted or what was done with it: that protects the children concerned, any
investigation, and the reporter (a shared mailbox may be read by others). It never
repeats the reported URL. Templates are ``templates/<language>/<status>.txt`` (first line
``Subject: ...``) in the public site's languages; an unknown language gets English.
"""

from __future__ import annotations

from typing import Any

from crowsnest.core.errors import InvalidInput
from crowsnest.core.notices import RenderedNotice, message_template, one_line

STATUSES = ("assessed", "closed")
KINDS = tuple(f"feedback_{status}" for status in STATUSES)  # outbox message kinds
LANGUAGES = ("en", "fr", "es", "de", "pt", "th", "id")
FIELDS = ("sender_name", "reported_at", "retention_days")


def language_of(code: str | None) -> str:
    """The template language for a reporter's language tag (``pt-BR`` → ``pt``)."""
    lang = (code or "en").lower().replace("_", "-").split("-")[0]
    return lang if lang in LANGUAGES else "en"


def render_feedback(status: str, language: str | None, fields: dict[str, Any]) -> RenderedNotice:
    """The feedback e-mail for a report that reached ``status`` (assessed or closed)."""
    if status not in STATUSES:
        raise InvalidInput(f"feedback is sent for {' or '.join(STATUSES)} reports, not {status!r}")
    missing = [name for name in FIELDS if fields.get(name) in (None, "")]
    if missing:
        raise InvalidInput(f"feedback needs {', '.join(missing)}", detail={"missing": missing})
    values = {name: one_line(fields[name], name) for name in FIELDS}
    lang = language_of(language)
    subject, body = message_template(__package__, status, lang)
    return RenderedNotice(f"feedback_{status}", lang, subject.substitute(values),
                          body.substitute(values))
