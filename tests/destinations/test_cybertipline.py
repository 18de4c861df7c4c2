"""CyberTipline reports: XML as documented, the full protocol against a local stand-in."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from crowsnest.core import registry
from crowsnest.core.errors import ExternalDependencyError, InvalidInput
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.cybertipline.client import (
    CyberTiplineClient,
    CyberTiplineDestination,
    CyberTiplineError,
)
from crowsnest.destinations.cybertipline.model import (
    INCIDENT_CSAM,
    CyberTipReport,
    IpCaptureEvent,
    ReportedFile,
    ReportedUser,
    ReportingPerson,
)
from crowsnest.destinations.cybertipline.xml import build_file_details_xml, build_report_xml, parse_response
from crowsnest.testing.cybertipline_server import CyberTiplineState, run_cybertipline_server

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPORTER = ReportingPerson("Ada", "Analyst", "tns@platform.example")
MD5 = "0" * 31 + "1"
PDQ = "f" * 64


def report(*files: ReportedFile, urls: tuple[str, ...] = ("https://files.example/v/1",)) -> CyberTipReport:
    return CyberTipReport(
        incident_at=WHEN, reporter=REPORTER, urls=urls, company="Platform Inc",
        reported_user=ReportedUser(esp_identifier="user-42", screen_name="someone & co",
                                   ip_events=(IpCaptureEvent("192.0.2.7", "Upload", WHEN),)),
        files=files, additional_info="Matched bank 'hotline-nl' at PDQ distance 4")


@pytest.fixture()
def tipline() -> Iterator[CyberTiplineState]:
    yield from run_cybertipline_server()


def client(state: CyberTiplineState, **options: object) -> CyberTiplineClient:
    return CyberTiplineClient(state.url, state.username, state.password, backoff=0.0,
                              **options)  # type: ignore[arg-type]


def test_report_xml_has_the_documented_sections_in_order() -> None:
    xml = build_report_xml(report(ReportedFile("a.jpg", {"md5": MD5, "pdq": PDQ}, "A1")))
    root = ET.fromstring(xml)
    assert root.tag == "report"
    assert [c.tag for c in root] == ["incidentSummary", "internetDetails", "reporter",
                                     "personOrUserReported", "additionalInfo"]
    assert root.findtext("incidentSummary/incidentType") == INCIDENT_CSAM
    assert root.findtext("incidentSummary/incidentDateTime") == "2026-03-01T12:00:00+00:00"
    assert root.findtext("internetDetails/webPageIncident/url") == "https://files.example/v/1"
    assert root.findtext("reporter/reportingPerson/email") == "tns@platform.example"
    assert root.findtext("personOrUserReported/screenName") == "someone & co"
    assert root.findtext("personOrUserReported/ipCaptureEvent/ipAddress") == "192.0.2.7"
    info = root.findtext("additionalInfo") or ""
    assert f"File a.jpg (A1): MD5 {MD5}, PDQ {PDQ}" in info  # hashes travel without media
    assert b"&amp; co" in xml


def test_file_details_xml() -> None:
    item = ReportedFile("b.png", {"md5": MD5}, "B2", viewed_by_esp=True, publicly_available=False)
    root = ET.fromstring(build_file_details_xml("77", "abc", item))
    assert [c.tag for c in root] == ["reportId", "fileId", "originalFileName", "fileViewedByEsp",
                                     "publiclyAvailable", "industryClassification", "originalFileHash"]
    assert root.find("originalFileHash").get("hashType") == "MD5"  # type: ignore[union-attr]
    assert root.findtext("fileViewedByEsp") == "true"


def test_full_flow_without_media_sends_no_upload(tipline: CyberTiplineState) -> None:
    with client(tipline) as api:
        assert api.status().ok
        sent = api.submit_report(report(ReportedFile("a.jpg", {"md5": MD5}, "A2")))
    stored = tipline.reports[sent.report_id]
    assert stored.finished and stored.files == {} and stored.report_xml == sent.report_xml
    assert tipline.calls == ["GET /status", "POST /submit", "POST /finish"]
    assert [step["step"] for step in sent.responses] == ["submit", "finish"]


def test_full_flow_with_explicit_benign_bytes(tipline: CyberTiplineState) -> None:
    payload = b"benign test bytes, not media"
    item = ReportedFile("sample.bin", {"md5": MD5}, "B1", viewed_by_esp=False, content=payload)
    with client(tipline) as api:
        sent = api.submit_report(report(item))
    stored = tipline.reports[sent.report_id]
    assert stored.finished and len(sent.file_ids) == 1
    assert stored.files[sent.file_ids[0]]["size"] == len(payload)
    assert tipline.calls == ["POST /submit", "POST /upload", "POST /fileinfo", "POST /finish"]
    assert ET.fromstring(stored.file_details[0]).findtext("industryClassification") == "B1"


def test_transient_failures_are_retried(tipline: CyberTiplineState) -> None:
    tipline.fail_next["/submit"] = 2
    tipline.server_error_next["/finish"] = 1
    with client(tipline) as api:
        sent = api.submit_report(report())
    assert tipline.reports[sent.report_id].finished
    assert tipline.calls.count("POST /submit") == 3 and tipline.calls.count("POST /finish") == 2


def test_a_failed_step_retracts_the_open_report(tipline: CyberTiplineState) -> None:
    tipline.fail_next["/finish"] = 10
    with client(tipline, attempts=2) as api, pytest.raises(CyberTiplineError) as caught:
        api.submit_report(report())
    assert caught.value.retryable
    (stored,) = tipline.reports.values()
    assert stored.retracted and not stored.finished
    assert tipline.calls[-1] == "POST /retract"


def test_permanent_refusals_are_not_retried(tipline: CyberTiplineState) -> None:
    wrong = CyberTiplineClient(tipline.url, "usr123", "wrong", backoff=0.0)
    with pytest.raises(CyberTiplineError) as caught:
        wrong.status()
    assert (caught.value.response_code, caught.value.retryable) == (2000, False)
    incomplete = report()
    bad_xml = build_report_xml(incomplete).replace(b"<incidentType>", b"<incidentTypo>").replace(
        b"</incidentType>", b"</incidentTypo>")
    with client(tipline) as api, pytest.raises(CyberTiplineError) as caught:
        api._call("POST", "/submit", content=bad_xml)
    assert (caught.value.response_code, caught.value.retryable) == (4100, False)
    assert tipline.calls.count("POST /submit") == 1


def test_destination_files_a_report_from_the_outbox(tipline: CyberTiplineState) -> None:
    assert "cybertipline" in registry.plugins(registry.DESTINATIONS)
    dest = CyberTiplineDestination("usr123", "pswd123", tipline.url, backoff=0.0)
    payload = {"report": report(ReportedFile("a.jpg", {"md5": MD5}, "A1")).as_dict()}
    result = dest.deliver(Delivery("match-9:ncmec", "cybertip", payload, {}))
    assert result.ok, result.detail
    assert tipline.reports[result.response["report_id"]].finished
    assert "<url>https://files.example/v/1</url>" in result.response["report_xml"]
    refused = CyberTiplineDestination("usr123", "nope", tipline.url, backoff=0.0).deliver(
        Delivery("k", "cybertip", payload, {}))
    assert (refused.ok, refused.retryable) == (False, False)
    missing = CyberTiplineDestination(None, None, tipline.url).deliver(Delivery("k", "c", payload, {}))
    assert not missing.ok and "credentials" in missing.detail


def test_report_model_round_trips_without_media() -> None:
    original = report(ReportedFile("a.jpg", {"md5": MD5}, "A1", content=b"bytes"))
    data = original.as_dict()
    assert "content" not in data["files"][0]
    again = CyberTipReport.from_dict(data)
    assert again.files[0].content is None and again.reported_user == original.reported_user
    with pytest.raises(InvalidInput):
        CyberTipReport.from_dict({"reporter": {}})
    with pytest.raises(InvalidInput):
        CyberTipReport(datetime(2026, 1, 1), REPORTER)
    with pytest.raises(InvalidInput):
        CyberTipReport(WHEN, ReportingPerson("", "", ""))
    with pytest.raises(InvalidInput):
        CyberTipReport(WHEN, REPORTER, files=(ReportedFile("x", {"crc32": "1"}),))


def test_unreadable_answers_and_bad_urls() -> None:
    with pytest.raises(ExternalDependencyError):
        parse_response(b"<html>oops</html>")
    with pytest.raises(ExternalDependencyError):
        parse_response(b"not xml")
    with pytest.raises(InvalidInput):
        CyberTiplineClient("http://report.example/ispws", "u", "p")
    with pytest.raises(InvalidInput):
        CyberTiplineClient("https://report.example/ispws", "", "")
