"""XML documents of NCMEC's CyberTipline reporting API.

Requests: ``<report>`` (sections incidentSummary, internetDetails, reporter,
personOrUserReported, additionalInfo — in the schema's order) and ``<fileDetails>``.
Answers: ``<reportResponse>`` (responseCode, responseDescription, reportId, and for an
upload fileId and hash) and ``<reportDoneResponse>`` (responseCode, reportId, files).
Built with ElementTree, so every value is escaped. The element order follows NCMEC's
published examples; check new fields against the live schema (``GET /xsd``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from crowsnest.core.errors import ExternalDependencyError
from crowsnest.destinations.cybertipline.model import (
    HASH_TYPES,
    CyberTipReport,
    IpCaptureEvent,
    ReportedFile,
)

XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = "https://report.cybertip.org/ispws/xsd"

#: Response codes named in NCMEC's documentation.
RESPONSE_CODES = {0: "success", 1000: "server error", 2000: "authentication required",
                  3100: "no submission authorization", 4100: "validation failed",
                  5001: "report does not exist", 5102: "report already finished"}


def _root(tag: str) -> ET.Element:
    root = ET.Element(tag)
    root.set("xmlns:xsi", XSI)
    root.set("xsi:noNamespaceSchemaLocation", SCHEMA_LOCATION)
    return root


def _text(parent: ET.Element, tag: str, value: object | None) -> ET.Element | None:
    if value is None or value == "":
        return None
    child = ET.SubElement(parent, tag)
    child.text = _format(value)
    return child


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _ip_event(parent: ET.Element, event: IpCaptureEvent) -> None:
    node = ET.SubElement(parent, "ipCaptureEvent")
    _text(node, "ipAddress", event.ip_address)
    _text(node, "eventName", event.event_name)
    _text(node, "dateTime", event.date_time)


def _serialise(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def build_report_xml(report: CyberTipReport) -> bytes:
    """The body of ``POST /submit``."""
    root = _root("report")
    summary = ET.SubElement(root, "incidentSummary")
    _text(summary, "incidentType", report.incident_type)
    _text(summary, "incidentDateTime", report.incident_at)
    if report.urls:
        details = ET.SubElement(root, "internetDetails")
        for url in report.urls:
            incident = ET.SubElement(details, "webPageIncident")
            _text(incident, "url", url)
    reporter = ET.SubElement(root, "reporter")
    person = ET.SubElement(reporter, "reportingPerson")
    for tag, value in (("firstName", report.reporter.first_name),
                       ("lastName", report.reporter.last_name),
                       ("phone", report.reporter.phone), ("email", report.reporter.email)):
        _text(person, tag, value)
    _text(reporter, "companyTemplate", report.company)
    if report.reported_user is not None:
        _reported_user(root, report)
    _text(root, "additionalInfo", _additional_info(report))
    return _serialise(root)


def _reported_user(root: ET.Element, report: CyberTipReport) -> None:
    user = report.reported_user
    assert user is not None
    node = ET.SubElement(root, "personOrUserReported")
    if user.email:
        person = ET.SubElement(node, "personOrUserReportedPerson")
        _text(person, "email", user.email)
    _text(node, "espIdentifier", user.esp_identifier)
    _text(node, "screenName", user.screen_name)
    _text(node, "profileUrl", user.profile_url)
    for event in user.ip_events:
        _ip_event(node, event)


def _additional_info(report: CyberTipReport) -> str | None:
    """Hashes of files that are not uploaded travel here, so a report without media still
    identifies the material."""
    lines = [report.additional_info] if report.additional_info else []
    for item in report.files:
        if item.content is None and item.hashes:
            hashes = ", ".join(f"{HASH_TYPES[k]} {v}" for k, v in sorted(item.hashes.items()))
            label = f" ({item.industry_classification})" if item.industry_classification else ""
            lines.append(f"File {item.file_name}{label}: {hashes}")
    return "\n".join(lines) or None


def build_file_details_xml(report_id: str, file_id: str, item: ReportedFile) -> bytes:
    """The body of ``POST /fileinfo`` for one uploaded file."""
    root = _root("fileDetails")
    _text(root, "reportId", report_id)
    _text(root, "fileId", file_id)
    _text(root, "originalFileName", item.file_name)
    _text(root, "locationOfFile", item.location_url)
    _text(root, "fileViewedByEsp", item.viewed_by_esp)
    _text(root, "publiclyAvailable", item.publicly_available)
    _text(root, "industryClassification", item.industry_classification)
    for kind, value in sorted(item.hashes.items()):
        node = _text(root, "originalFileHash", value)
        if node is not None:
            node.set("hashType", HASH_TYPES[kind])
    return _serialise(root)


@dataclass(frozen=True)
class ApiResponse:
    """A parsed ``reportResponse`` or ``reportDoneResponse``."""

    code: int
    description: str
    report_id: str | None = None
    file_id: str | None = None
    file_hash: str | None = None
    file_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.code == 0


def parse_response(body: bytes) -> ApiResponse:
    """Read an API answer; anything unreadable is an :class:`ExternalDependencyError`."""
    try:
        root = ET.fromstring(body)
        code = int((root.findtext("responseCode") or "").strip())
    except (ET.ParseError, ValueError):
        raise ExternalDependencyError("the CyberTipline answered with something that is not "
                                      "a response document", detail={"body": body[:300].decode(
                                          "utf-8", "replace")}) from None
    if root.tag not in ("reportResponse", "reportDoneResponse"):
        raise ExternalDependencyError(f"unexpected CyberTipline response element <{root.tag}>")
    description = root.findtext("responseDescription") or RESPONSE_CODES.get(code, "")
    return ApiResponse(code, description.strip(), _opt(root.findtext("reportId")),
                       _opt(root.findtext("fileId")), _opt(root.findtext("hash")),
                       tuple(e.text.strip() for e in root.iter("fileId")
                             if root.tag == "reportDoneResponse" and e.text))


def _opt(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def response_xml(code: int, description: str = "", **fields: str) -> bytes:
    """A ``reportResponse`` document (used by the local test server)."""
    root = ET.Element("reportResponse")
    _text(root, "responseCode", code)
    _text(root, "responseDescription", description or RESPONSE_CODES.get(code, ""))
    for tag in ("reportId", "fileId", "hash"):
        _text(root, tag, fields.get(tag))
    return _serialise(root)


def done_xml(report_id: str, file_ids: list[str]) -> bytes:
    """A ``reportDoneResponse`` document (used by the local test server)."""
    root = ET.Element("reportDoneResponse")
    _text(root, "responseCode", 0)
    _text(root, "reportId", report_id)
    files = ET.SubElement(root, "files")
    for file_id in file_ids:
        _text(files, "fileId", file_id)
    return _serialise(root)
