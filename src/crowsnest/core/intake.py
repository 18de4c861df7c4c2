"""Validation of a public report: what the intake accepts, before anything is stored.

A report is one or more URLs (at most :data:`MAX_URLS`), where they were seen, an optional
description, the reporter's country and language, and an optional contact e-mail for
feedback. Every problem is collected and raised at once as one :class:`InvalidInput`
whose ``detail`` lists each field's error, so a form can show them all inline. Media are
never accepted: only text fields exist. URLs repeated within one report (after
normalisation) count once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pycountry

from crowsnest.core.errors import InvalidInput
from crowsnest.core.urls import case_key, normalize_url

MAX_URLS = 50
MAX_DESCRIPTION = 5000
MAX_EMAIL = 254
WHERE_SEEN = ("website", "social_media", "messaging_app", "game", "file_sharing", "other")
ALLOWED_FIELDS = frozenset({"urls", "where_seen", "description", "reporter_country",
                            "reporter_language", "contact_email"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SubmittedUrl:
    """A reported URL as typed, its canonical form and its case key."""

    raw: str
    normalized: str
    key: str


@dataclass(frozen=True)
class Submission:
    """A validated report, ready for the intake service."""

    urls: tuple[SubmittedUrl, ...]
    where_seen: str
    description: str | None
    reporter_country: str | None
    reporter_language: str | None
    contact_email: str | None


def check_country_code(code: str) -> str:
    """An assigned ISO 3166-1 alpha-2 code (upper-cased), or :class:`InvalidInput`."""
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z]{2}", code.strip()):
        raise InvalidInput(f"{str(code)[:20]!r} is not an ISO 3166-1 alpha-2 country code")
    upper = code.strip().upper()
    if pycountry.countries.get(alpha_2=upper) is None:
        raise InvalidInput(f"{upper} is not an assigned ISO 3166-1 country code")
    return upper


def validate_submission(data: Mapping[str, Any]) -> Submission:
    """Check every field of a public report; raise one error listing all problems."""
    if not isinstance(data, Mapping):
        raise InvalidInput("a report must be an object")
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - ALLOWED_FIELDS)
    if unknown:
        errors["_"] = (f"unknown fields {', '.join(map(str, unknown))[:200]}; a report holds "
                       "only URLs and text (media uploads are refused)")
    urls = _urls(data.get("urls"), errors)
    where = data.get("where_seen") or "other"
    if where not in WHERE_SEEN:
        errors["where_seen"] = f"must be one of {', '.join(WHERE_SEEN)}"
    description = _text(data.get("description"), "description", MAX_DESCRIPTION, errors)
    country = _optional(data.get("reporter_country"), "reporter_country", check_country_code, errors)
    language = _optional(data.get("reporter_language"), "reporter_language", _language, errors)
    email = _optional(data.get("contact_email"), "contact_email", _email, errors)
    if errors:
        first = next(iter(errors.items()))
        raise InvalidInput(f"the report is not valid: {first[0]}: {first[1]}"
                           + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
                           detail={"fields": errors})
    return Submission(tuple(urls), str(where), description, country, language, email)


def _urls(value: Any, errors: dict[str, str]) -> list[SubmittedUrl]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        errors["urls"] = "at least one URL is required"
        return []
    if len(value) > MAX_URLS:
        errors["urls"] = f"at most {MAX_URLS} URLs per report; this one has {len(value)}"
        return []
    seen: dict[str, SubmittedUrl] = {}
    for index, raw in enumerate(value):
        try:
            normalized = normalize_url(raw)
        except InvalidInput as error:
            errors[f"urls[{index}]"] = error.message
            continue
        key = case_key(normalized)
        seen.setdefault(key, SubmittedUrl(str(raw).strip(), normalized, key))
    return list(seen.values())


def _text(value: Any, name: str, limit: int, errors: dict[str, str]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        errors[name] = "must be text"
        return None
    if len(value) > limit:
        errors[name] = f"at most {limit} characters; this has {len(value)}"
        return None
    return _CONTROL.sub("", value).strip() or None


def _optional(value: Any, name: str, check: Any, errors: dict[str, str]) -> str | None:
    if value is None or value == "":
        return None
    try:
        return check(value)
    except InvalidInput as error:
        errors[name] = error.message
        return None


def _language(value: Any) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value.strip()):
        raise InvalidInput(f"{str(value)[:20]!r} is not a language tag such as 'en' or 'pt-BR'")
    return value.strip()


def _email(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_EMAIL or not _EMAIL.match(value.strip()):
        raise InvalidInput("not an e-mail address")
    return value.strip()
