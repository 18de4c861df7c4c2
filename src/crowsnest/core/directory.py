"""The help directory: where a person in a given country gets help and reports abuse material.

Pure-stdlib lookup over the JSON files shipped in ``crowsnest/data/directory/`` (one file per
region plus ``international.json`` for the fallbacks). The public "get help" pages and the
hotline's routing call :func:`for_country`, :func:`hotline_for` and :func:`police_for`.

Every lookup answers: a country we do not cover gets the international fallbacks, and wherever
an entry is unverified (or missing) the matching fallback is listed beside it, because a wrong
or missing number must never leave a child without somewhere to turn. The full schema checks
(phone numbers, country and language codes, stale dates) live in ``services/directory.py``;
this module only parses what it needs and refuses malformed files with a typed error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from crowsnest.core.errors import InvalidInput

DATA_PACKAGE = "crowsnest.data.directory"
INTERNATIONAL = "international"
INTERNATIONAL_FILE = "international.json"
# Common aliases people type for ISO 3166-1 alpha-2 codes.
ALIASES = {"UK": "GB", "EL": "GR"}
_CODE = re.compile(r"^[A-Z]{2}$")


class DirectoryError(InvalidInput):
    """A directory file is malformed (not JSON, or missing the fields a lookup needs)."""

    code = "malformed_directory"


class Kind(StrEnum):
    """What an entry offers; the order is the order a person sees them in."""

    EMERGENCY = "emergency"
    HELPLINE = "helpline"
    HOTLINE = "hotline"
    POLICE = "police"
    SAFER_INTERNET_CENTRE = "safer_internet_centre"


@dataclass(frozen=True)
class Phone:
    """One number as dialled inside its country (or in international format)."""

    number: str
    label: str | None = None
    free: bool | None = None


@dataclass(frozen=True)
class Entry:
    """One place to call, chat with or report to, with where the facts came from."""

    id: str
    kind: Kind
    name: str
    country: str  # ISO 3166-1 alpha-2, or "international" for the fallbacks
    source: str
    verified: bool
    checked: date | None = None
    phones: tuple[Phone, ...] = ()
    web: str | None = None
    chat: str | None = None
    report_url: str | None = None
    hours: str | None = None
    languages: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        out = asdict(self)
        out["kind"] = self.kind.value
        out["checked"] = self.checked.isoformat() if self.checked else None
        return out


@dataclass(frozen=True)
class Country:
    """A covered country: its name and every entry we list for it."""

    code: str
    name: str
    entries: tuple[Entry, ...]

    def of_kind(self, kind: Kind) -> tuple[Entry, ...]:
        """Entries of ``kind``, verified ones first (stable otherwise)."""
        found = [e for e in self.entries if e.kind is kind]
        return tuple(sorted(found, key=lambda e: not e.verified))


@dataclass(frozen=True)
class CountryHelp:
    """Everything a person in ``code`` needs, always non-empty.

    ``fallbacks`` holds the international entries for every kind (helpline, hotline) that
    has no verified entry here; ``emergency`` is ``None`` only for countries we do not cover.
    """

    code: str
    name: str | None
    covered: bool
    emergency: Entry | None
    helplines: tuple[Entry, ...] = ()
    hotlines: tuple[Entry, ...] = ()
    police: tuple[Entry, ...] = ()
    safer_internet_centres: tuple[Entry, ...] = ()
    fallbacks: tuple[Entry, ...] = ()
    unverified: tuple[Entry, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the CLI and the web pages."""

        def many(entries: Iterable[Entry]) -> list[dict[str, Any]]:
            return [e.to_dict() for e in entries]

        return {
            "code": self.code,
            "name": self.name,
            "covered": self.covered,
            "emergency": self.emergency.to_dict() if self.emergency else None,
            "helplines": many(self.helplines),
            "hotlines": many(self.hotlines),
            "police": many(self.police),
            "safer_internet_centres": many(self.safer_internet_centres),
            "fallbacks": many(self.fallbacks),
            "unverified": [e.id for e in self.unverified],
        }


def normalise_code(code: str) -> str:
    """``" uk "`` → ``"GB"``; anything not two letters is refused with :class:`InvalidInput`."""
    if not isinstance(code, str):
        raise InvalidInput("country code must be a string")
    upper = code.strip().upper()
    upper = ALIASES.get(upper, upper)
    if not _CODE.match(upper):
        raise InvalidInput(f"not an ISO 3166-1 alpha-2 country code: {code!r}")
    return upper


def _require(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] in (None, ""):
        raise DirectoryError(f"{where}: missing {key!r}", detail={"where": where, "field": key})
    return raw[key]


def _parse_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DirectoryError(f"{where}: 'checked' is not an ISO date: {value!r}") from None


def parse_entry(raw: Mapping[str, Any], country: str, where: str) -> Entry:
    """Build an :class:`Entry` from one JSON object (only the fields a lookup needs are enforced)."""
    if not isinstance(raw, Mapping):
        raise DirectoryError(f"{where}: an entry must be a JSON object")
    try:
        kind = Kind(_require(raw, "kind", where))
    except ValueError:
        raise DirectoryError(f"{where}: unknown kind {raw['kind']!r}") from None
    phones = tuple(
        Phone(str(_require(p, "number", where)), p.get("label"), p.get("free"))
        for p in raw.get("phones") or ()
    )
    return Entry(
        id=str(_require(raw, "id", where)),
        kind=kind,
        name=str(_require(raw, "name", where)),
        country=country,
        source=str(_require(raw, "source", where)),
        verified=bool(raw.get("verified", False)),
        checked=_parse_date(raw.get("checked"), where),
        phones=phones,
        web=raw.get("web"),
        chat=raw.get("chat"),
        report_url=raw.get("report_url"),
        hours=raw.get("hours"),
        languages=tuple(raw.get("languages") or ()),
        note=raw.get("note"),
    )


@dataclass(frozen=True)
class Directory:
    """All covered countries plus the international fallbacks."""

    countries: Mapping[str, Country]
    fallbacks: tuple[Entry, ...]

    @classmethod
    def from_documents(cls, docs: Mapping[str, Mapping[str, Any]]) -> Directory:
        """Build from parsed JSON documents keyed by file name."""
        countries: dict[str, Country] = {}
        fallbacks: list[Entry] = []
        for fname, doc in sorted(docs.items()):
            if not isinstance(doc, Mapping):
                raise DirectoryError(f"{fname}: top level must be a JSON object")
            for i, raw in enumerate(doc.get("fallbacks") or ()):
                fallbacks.append(parse_entry(raw, INTERNATIONAL, f"{fname}: fallbacks[{i}]"))
            for code, body in (doc.get("countries") or {}).items():
                where = f"{fname}: {code}"
                if code in countries:
                    raise DirectoryError(f"{where}: country listed twice")
                entries = tuple(
                    parse_entry(raw, code, f"{where}: entries[{i}]")
                    for i, raw in enumerate(_require(body, "entries", where))
                )
                countries[code] = Country(code, str(_require(body, "name", where)), entries)
        for kind in (Kind.HELPLINE, Kind.HOTLINE):
            # lookups promise an answer for every country, so these two must exist
            if not any(e.kind is kind for e in fallbacks):
                raise DirectoryError(f"the directory has no international {kind.value} fallback")
        return cls(countries, tuple(fallbacks))

    @classmethod
    def from_path(cls, path: str | Path) -> Directory:
        """Load every ``*.json`` in a directory (or one file)."""
        root = Path(path)
        files = sorted(root.glob("*.json")) if root.is_dir() else [root]
        if not files or not all(f.is_file() for f in files):
            raise InvalidInput(f"no directory files at {str(path)!r}")
        return cls.from_documents({f.name: _read_json(f.name, f.read_text("utf-8")) for f in files})

    def fallback(self, kind: Kind) -> tuple[Entry, ...]:
        """The international entries of ``kind``."""
        return tuple(e for e in self.fallbacks if e.kind is kind)

    def for_country(self, code: str) -> CountryHelp:
        """Help for ``code``: its entries, with international fallbacks wherever they are needed."""
        cc = normalise_code(code)
        country = self.countries.get(cc)
        if country is None:
            return CountryHelp(cc, None, False, None, fallbacks=self.fallbacks)
        needs = [k for k in (Kind.HELPLINE, Kind.HOTLINE)
                 if not any(e.verified for e in country.of_kind(k))]
        emergency = country.of_kind(Kind.EMERGENCY)
        return CountryHelp(
            code=cc,
            name=country.name,
            covered=True,
            emergency=emergency[0] if emergency else None,
            helplines=country.of_kind(Kind.HELPLINE),
            hotlines=country.of_kind(Kind.HOTLINE),
            police=country.of_kind(Kind.POLICE),
            safer_internet_centres=country.of_kind(Kind.SAFER_INTERNET_CENTRE),
            fallbacks=tuple(e for k in needs for e in self.fallback(k)),
            unverified=tuple(e for e in country.entries if not e.verified),
        )

    def hotline_for(self, code: str) -> Entry:
        """Where to report abuse material seen from ``code``: its verified hotline, else INHOPE's."""
        cc = normalise_code(code)
        country = self.countries.get(cc)
        if country is not None:
            verified = [e for e in country.of_kind(Kind.HOTLINE) if e.verified]
            if verified:
                return verified[0]
        return self.fallback(Kind.HOTLINE)[0]

    def police_for(self, code: str) -> Entry | None:
        """The verified police online reporting point of ``code``, or ``None`` if we know none."""
        cc = normalise_code(code)
        country = self.countries.get(cc)
        if country is None:
            return None
        verified = [e for e in country.of_kind(Kind.POLICE) if e.verified]
        return verified[0] if verified else None


def _read_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DirectoryError(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def shipped_documents() -> dict[str, Any]:
    """The JSON documents shipped with crowsnest, keyed by file name."""
    root = resources.files(DATA_PACKAGE)
    return {
        item.name: _read_json(item.name, item.read_text("utf-8"))
        for item in root.iterdir()
        if item.name.endswith(".json")
    }


@cache
def default_directory() -> Directory:
    """The shipped directory, parsed once per process."""
    return Directory.from_documents(shipped_documents())


def for_country(code: str) -> CountryHelp:
    """Help for ``code`` from the shipped directory (see :meth:`Directory.for_country`)."""
    return default_directory().for_country(code)


def hotline_for(code: str) -> Entry:
    """Reporting hotline for ``code`` from the shipped directory (see :meth:`Directory.hotline_for`)."""
    return default_directory().hotline_for(code)


def police_for(code: str) -> Entry | None:
    """Police reporting point for ``code`` from the shipped directory (or ``None``)."""
    return default_directory().police_for(code)
