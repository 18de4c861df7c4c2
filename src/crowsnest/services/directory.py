"""Use cases of the help directory: validate directory files and show a country's help.

``validate`` runs the schema (``directory_schema``) and then the checks that need outside data:
phone numbers (``phonenumbers``, including its short-number metadata for 116 111, 112, 911 …),
country and language codes (``pycountry``), https URLs, duplicates, and the freshness rules
(``checked`` older than 12 months, unverified entries). Errors make the directory unusable;
warnings are listed for a maintainer to act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
import pycountry
from pydantic import ValidationError

from crowsnest.core.directory import (
    INTERNATIONAL,
    CountryHelp,
    Directory,
    default_directory,
    normalise_code,
    shipped_documents,
)
from crowsnest.core.errors import InvalidInput
from crowsnest.services.directory_schema import DocumentModel, EntryModel

STALE_AFTER = timedelta(days=365)
URL_FIELDS = ("web", "chat", "report_url", "source")


@dataclass(frozen=True)
class Finding:
    """One problem found in a directory file."""

    level: str  # "error" or "warning"
    rule: str  # stable key: schema, country, phone, url, language, duplicate, stale, unverified …
    file: str
    where: str
    message: str


@dataclass
class ValidationReport:
    """What ``validate`` found, with counts for the summary line."""

    files: int = 0
    countries: int = 0
    entries: int = 0
    verified: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        """Counts only, for the last line of output."""
        return {"ok": self.ok, "files": self.files, "countries": self.countries,
                "entries": self.entries, "verified": self.verified,
                "errors": len(self.errors), "warnings": len(self.warnings)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "findings": [asdict(f) for f in self.findings]}


def _documents(path: str | Path | None) -> dict[str, Any]:
    if path is None:
        return shipped_documents()
    root = Path(path)
    files = sorted(root.glob("*.json")) if root.is_dir() else [root]
    if not files or not all(f.is_file() for f in files):
        raise InvalidInput(f"no directory files at {str(path)!r}")
    docs: dict[str, Any] = {}
    for f in files:
        try:
            docs[f.name] = json.loads(f.read_text("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            docs[f.name] = exc  # reported as a schema error, other files still checked
    return docs


def documents(path: str | Path | None = None) -> dict[str, Any]:
    """Parsed directory files by file name (the shipped ones when ``path`` is None).

    A file that is not valid JSON maps to the parse error; ``validate`` reports it.
    """
    return _documents(path)


def validate(path: str | Path | None = None, *, today: date | None = None) -> ValidationReport:
    """Check the directory at ``path`` (default: the shipped one) and report every finding."""
    today = today or date.today()
    report = ValidationReport()
    seen_ids: dict[str, str] = {}
    seen_names: set[tuple[str, str, str]] = set()
    for fname, raw in sorted(_documents(path).items()):
        report.files += 1
        if isinstance(raw, Exception):
            report.findings.append(Finding("error", "schema", fname, "", f"not valid JSON: {raw}"))
            continue
        try:
            doc = DocumentModel.model_validate(raw)
        except ValidationError as exc:
            report.findings.extend(_schema_findings(fname, exc))
            continue
        for code, where, entry in _entries(doc):
            report.entries += 1
            report.verified += entry.verified
            report.findings.extend(_entry_findings(fname, code, where, entry, today))
            report.findings.extend(
                _duplicate_findings(fname, code, where, entry, seen_ids, seen_names))
        for code, country in doc.countries.items():
            report.countries += 1
            report.findings.extend(_country_findings(fname, code, country.entries))
    return report


def _entries(doc: DocumentModel) -> Iterator[tuple[str, str, EntryModel]]:
    for i, entry in enumerate(doc.fallbacks):
        yield INTERNATIONAL, f"fallbacks[{i}] {entry.id}", entry
    for code, country in doc.countries.items():
        for i, entry in enumerate(country.entries):
            yield code, f"{code}.entries[{i}] {entry.id}", entry


def _schema_findings(fname: str, exc: ValidationError) -> Iterator[Finding]:
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        yield Finding("error", "schema", fname, where, err["msg"])


def _country_findings(fname: str, code: str, entries: list[EntryModel]) -> Iterator[Finding]:
    if pycountry.countries.get(alpha_2=code) is None or len(code) != 2:
        yield Finding("error", "country", fname, code, f"not an ISO 3166-1 alpha-2 code: {code!r}")
    if sum(e.kind == "emergency" for e in entries) != 1:
        yield Finding("error", "emergency", fname, code,
                      "every country needs exactly one emergency entry")


def _entry_findings(fname: str, code: str, where: str, entry: EntryModel,
                    today: date) -> Iterator[Finding]:
    def f(level: str, rule: str, message: str) -> Finding:
        return Finding(level, rule, fname, where, message)

    for name in URL_FIELDS:
        value = getattr(entry, name)
        if value is not None and not _https_url(value):
            yield f("error", "url", f"{name} must be an https URL with a host: {value!r}")
    for lang in entry.languages:
        if not _language_known(lang):
            yield f("error", "language", f"unknown ISO 639 language code: {lang!r}")
    for phone in entry.phones:
        for level, message in check_phone(phone.number, code, entry.kind):
            yield f(level, "phone", message)
    if entry.checked is not None and entry.checked > today:
        yield f("error", "checked", f"checked date {entry.checked} is in the future")
    elif entry.checked is not None and today - entry.checked > STALE_AFTER:
        yield f("warning", "stale", f"last checked {entry.checked}, more than 12 months ago")
    if not entry.verified:
        yield f("warning", "unverified", "not verified against the organisation's own page"
                + (f": {entry.note}" if entry.note else ""))


def _duplicate_findings(fname: str, code: str, where: str, entry: EntryModel,
                        seen_ids: dict[str, str],
                        seen_names: set[tuple[str, str, str]]) -> Iterator[Finding]:
    if entry.id in seen_ids:
        yield Finding("error", "duplicate", fname, where,
                      f"id {entry.id!r} already used at {seen_ids[entry.id]}")
    seen_ids.setdefault(entry.id, f"{fname}: {where}")
    key = (code, entry.kind, entry.name.casefold())
    if key in seen_names:
        yield Finding("error", "duplicate", fname, where,
                      f"{entry.kind} {entry.name!r} listed twice for {code}")
    seen_names.add(key)


def _https_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname) and " " not in value


def _language_known(code: str) -> bool:
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code) is not None
    return len(code) == 3 and pycountry.languages.get(alpha_3=code) is not None


def check_phone(number: str, region: str, kind: str) -> list[tuple[str, str]]:
    """Findings for one number dialled in ``region`` ("international" needs +CC form)."""
    if region == INTERNATIONAL:
        if not number.startswith("+"):
            return [("error", f"{number!r}: an international entry needs +country-code form")]
        region_arg = None
    else:
        region_arg = region
    try:
        parsed = phonenumbers.parse(number, region_arg)
    except phonenumbers.NumberParseException as exc:
        return [("error", f"{number!r}: cannot be parsed ({exc})")]
    if kind == "emergency" and region_arg is not None:
        # an emergency entry must hold an emergency number, not any valid line
        return _check_short(number, parsed, region_arg, kind)
    if phonenumbers.is_valid_number(parsed) and (
        region_arg is None or number.startswith("+")
        or phonenumbers.is_valid_number_for_region(parsed, region_arg)
    ):
        return []
    if region_arg is None:
        return [("error", f"{number!r}: not a valid phone number")]
    return _check_short(number, parsed, region_arg, kind)


def _check_short(number: str, parsed: phonenumbers.PhoneNumber, region: str,
                 kind: str) -> list[tuple[str, str]]:
    digits = phonenumbers.normalize_digits_only(number)
    if kind == "emergency":
        if phonenumbers.is_emergency_number(digits, region):
            return []
        if phonenumbers.is_possible_short_number_for_region(parsed, region):
            return [("warning", f"{number!r}: phonenumbers has no record of this emergency "
                     f"number in {region}; relies on the cited source alone")]
        return [("error", f"{number!r}: not an emergency number of {region}")]
    if phonenumbers.is_valid_short_number_for_region(parsed, region):
        return []
    if phonenumbers.is_possible_short_number_for_region(parsed, region):
        return [("warning", f"{number!r}: a possible short code in {region} that phonenumbers' "
                 "metadata does not list; relies on the cited source alone")]
    return [("error", f"{number!r}: not a valid number or short code for {region}")]


def country_help(code: str, path: str | Path | None = None) -> tuple[CountryHelp, str]:
    """Help for ``code`` and the country's English name; unknown ISO codes are refused."""
    cc = normalise_code(code)
    record = pycountry.countries.get(alpha_2=cc)
    if record is None:
        raise InvalidInput(f"no country has the ISO 3166-1 code {cc!r}")
    directory = default_directory() if path is None else Directory.from_path(path)
    found = directory.for_country(cc)
    return found, found.name or getattr(record, "common_name", record.name)


def coverage(path: str | Path | None = None) -> Mapping[str, dict[str, int]]:
    """Per file (region): countries, entries, verified and unverified counts."""
    out: dict[str, dict[str, int]] = {}
    for fname, raw in sorted(_documents(path).items()):
        doc = DocumentModel.model_validate(raw)
        entries = [e for _, _, e in _entries(doc)]
        out[fname] = {"countries": len(doc.countries), "entries": len(entries),
                      "verified": sum(e.verified for e in entries),
                      "unverified": sum(not e.verified for e in entries)}
    return out
