"""The neutral shape of a CyberTipline report, independent of XML and of the database.

It travels as JSON in the outbox (``as_dict``/``from_dict``). By default a report carries
URLs and hashes only: media bytes are attached to a :class:`ReportedFile` only when a
caller explicitly passes them, and even then never appear in ``as_dict``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from crowsnest.core.errors import InvalidInput

#: The incident type NCMEC's documentation uses for apparent child sexual abuse material.
INCIDENT_CSAM = "Child Pornography (possession, manufacture, and distribution)"
HASH_TYPES = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256", "pdq": "PDQ"}


@dataclass(frozen=True)
class ReportingPerson:
    """Who files the report (a platform's trust-and-safety contact)."""

    first_name: str
    last_name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True)
class IpCaptureEvent:
    """An IP address seen with an event (upload, login) at a time."""

    ip_address: str
    event_name: str
    date_time: datetime


@dataclass(frozen=True)
class ReportedUser:
    """The account that posted the content, as the platform knows it."""

    esp_identifier: str | None = None
    screen_name: str | None = None
    profile_url: str | None = None
    email: str | None = None
    ip_events: tuple[IpCaptureEvent, ...] = ()


@dataclass(frozen=True)
class ReportedFile:
    """One file: its name, hashes and classification. ``content`` is never serialised."""

    file_name: str
    hashes: dict[str, str] = field(default_factory=dict)
    industry_classification: str | None = None
    viewed_by_esp: bool | None = None
    publicly_available: bool | None = None
    location_url: str | None = None
    content: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class CyberTipReport:
    """Everything one report says."""

    incident_at: datetime
    reporter: ReportingPerson
    urls: tuple[str, ...] = ()
    incident_type: str = INCIDENT_CSAM
    company: str | None = None
    reported_user: ReportedUser | None = None
    files: tuple[ReportedFile, ...] = ()
    additional_info: str | None = None

    def __post_init__(self) -> None:
        if self.incident_at.tzinfo is None:
            raise InvalidInput("the incident time must be timezone-aware")
        if not (self.reporter.email and self.reporter.first_name and self.reporter.last_name):
            raise InvalidInput("a CyberTipline report needs the reporting person's name and e-mail")
        for item in self.files:
            unknown = set(item.hashes) - set(HASH_TYPES)
            if unknown:
                raise InvalidInput(f"unknown hash types {sorted(unknown)}; known: {sorted(HASH_TYPES)}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form without any media bytes."""
        data = asdict(self)
        for item in data["files"]:
            item.pop("content", None)
        return _jsonable(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CyberTipReport:
        try:
            user = data.get("reported_user")
            return cls(
                incident_at=datetime.fromisoformat(data["incident_at"]),
                reporter=ReportingPerson(**data["reporter"]),
                urls=tuple(data.get("urls", ())),
                incident_type=data.get("incident_type", INCIDENT_CSAM),
                company=data.get("company"),
                reported_user=None if user is None else ReportedUser(
                    **{**user, "ip_events": tuple(
                        IpCaptureEvent(e["ip_address"], e["event_name"],
                                       datetime.fromisoformat(e["date_time"]))
                        for e in user.get("ip_events", ()))}),
                files=tuple(ReportedFile(**f) for f in data.get("files", ())),
                additional_info=data.get("additional_info"),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(f"not a CyberTipline report: {error}") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def from_match(*, reporter: ReportingPerson, incident_at: datetime, file_name: str,
               hashes: dict[str, str], labels: list[str] | tuple[str, ...] = (),
               url: str | None = None, reported_user: ReportedUser | None = None,
               company: str | None = None, bank: str | None = None,
               content: bytes | None = None) -> CyberTipReport:
    """A report for one hash match on a platform: the matched file's hashes and its
    industry classification (from an ``industry:`` label of the bank entry), the uploader,
    and where it was seen. Media bytes only if the caller passes them explicitly."""
    classification = next((label.split(":", 1)[1] for label in labels
                           if label.startswith("industry:")), None)
    info = f"Matched a hash list entry{f' in bank {bank!r}' if bank else ''}."
    item = ReportedFile(file_name=file_name, hashes=dict(hashes),
                        industry_classification=classification, location_url=url,
                        content=content)
    return CyberTipReport(incident_at=incident_at, reporter=reporter,
                          urls=(url,) if url else (), company=company,
                          reported_user=reported_user, files=(item,), additional_info=info)
