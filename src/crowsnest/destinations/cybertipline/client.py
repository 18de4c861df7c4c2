"""Client for NCMEC's CyberTipline reporting API, and the ``cybertipline`` destination.

The documented flow: ``POST /submit`` (report XML) → for each file ``POST /upload``
(multipart ``id`` + ``file``) and ``POST /fileinfo`` (fileDetails XML) → ``POST /finish``
(``id``). If a step fails for good after a report was opened, the client calls
``POST /retract`` so no half-finished report is left open. Authentication is HTTP Basic
with credentials NCMEC issues (from settings or the constructor; never in a target).

Retries: connection failures, HTTP 5xx and response code 1000 (server error) are retried
with exponential backoff; authentication (2000, 3100) and validation (4100) failures are
not. Files are uploaded only when a :class:`ReportedFile` carries ``content`` explicitly;
otherwise their hashes go in the report's additional information.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from crowsnest.core.errors import CrowsnestError, ExternalDependencyError, InvalidInput
from crowsnest.destinations.base import Delivery, DeliveryResult, Destination
from crowsnest.destinations.crowsnest import is_loopback
from crowsnest.destinations.cybertipline.model import CyberTipReport
from crowsnest.destinations.cybertipline.xml import (
    ApiResponse,
    build_file_details_xml,
    build_report_xml,
    parse_response,
)

XML_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}
PERMANENT_CODES = {2000, 3100, 4100, 5001, 5102}


class CyberTiplineError(ExternalDependencyError):
    """The CyberTipline refused or failed a step; ``retryable`` says if trying later may help."""

    code = "cybertipline_error"

    def __init__(self, message: str, *, response_code: int | None, retryable: bool) -> None:
        super().__init__(message, detail={"response_code": response_code})
        self.response_code = response_code
        self.retryable = retryable


@dataclass
class Submission:
    """What was sent and what came back: the report to store beside the case or match."""

    report_id: str
    report_xml: bytes
    file_ids: list[str] = field(default_factory=list)
    file_details_xml: list[bytes] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)


def check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(f"{url[:200]!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidInput("the CyberTipline API is reached over HTTPS (plain http only on loopback)")
    return url.rstrip("/")


class CyberTiplineClient:
    """One authenticated session against a CyberTipline API base URL."""

    def __init__(self, base_url: str, username: str, password: str, *, attempts: int = 4,
                 backoff: float = 1.0, timeout: float = 60.0, verify: Any = True,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not username or not password:
            raise InvalidInput("CyberTipline credentials (user name and password) are not set")
        self.base_url = check_base_url(base_url)
        self._client = httpx.Client(auth=(username, password), timeout=timeout, verify=verify,
                                    follow_redirects=False)
        self._attempts = max(1, attempts)
        self._backoff = backoff
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> CyberTiplineClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> ApiResponse:
        last: CyberTiplineError | None = None
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = self._client.request(method, self.base_url + path, **kwargs)
            except httpx.HTTPError as error:
                last = CyberTiplineError(f"{path}: {type(error).__name__}: {error}",
                                         response_code=None, retryable=True)
                continue
            if response.status_code >= 500:
                last = CyberTiplineError(f"{path}: HTTP {response.status_code}",
                                         response_code=None, retryable=True)
                continue
            if response.status_code in (401, 403):
                raise CyberTiplineError(f"{path}: not authorised (HTTP {response.status_code})",
                                        response_code=2000, retryable=False)
            parsed = parse_response(response.content)
            if parsed.ok:
                return parsed
            error = CyberTiplineError(f"{path}: {parsed.code} {parsed.description}",
                                      response_code=parsed.code,
                                      retryable=parsed.code not in PERMANENT_CODES)
            if not error.retryable:
                raise error
            last = error
        assert last is not None
        raise last

    def status(self) -> ApiResponse:
        """``GET /status``: check that we can reach and authenticate."""
        return self._call("GET", "/status")

    def retract(self, report_id: str) -> ApiResponse:
        return self._call("POST", "/retract", data={"id": report_id})

    def submit_report(self, report: CyberTipReport) -> Submission:
        """Run the whole flow for ``report``; retract it if a later step fails."""
        report_xml = build_report_xml(report)
        opened = self._call("POST", "/submit", content=report_xml, headers=XML_HEADERS)
        if not opened.report_id:
            raise CyberTiplineError("/submit answered without a reportId", response_code=0,
                                    retryable=True)
        submission = Submission(opened.report_id, report_xml, responses=[_summary("submit", opened)])
        try:
            self._send_files(report, submission)
            done = self._call("POST", "/finish", data={"id": submission.report_id})
            submission.responses.append(_summary("finish", done))
        except CrowsnestError:
            self._retract_quietly(submission.report_id)
            raise
        return submission

    def _send_files(self, report: CyberTipReport, submission: Submission) -> None:
        for item in report.files:
            if item.content is None:
                continue  # hashes only: already in the report's additional information
            uploaded = self._call("POST", "/upload", data={"id": submission.report_id},
                                  files={"file": (item.file_name, item.content)})
            if not uploaded.file_id:
                raise CyberTiplineError("/upload answered without a fileId", response_code=0,
                                        retryable=True)
            details = build_file_details_xml(submission.report_id, uploaded.file_id, item)
            info = self._call("POST", "/fileinfo", content=details, headers=XML_HEADERS)
            submission.file_ids.append(uploaded.file_id)
            submission.file_details_xml.append(details)
            submission.responses += [_summary("upload", uploaded), _summary("fileinfo", info)]

    def _retract_quietly(self, report_id: str) -> None:
        try:
            self.retract(report_id)
        except CrowsnestError:
            pass  # NCMEC deletes unfinished reports itself after 24 hours


def _summary(step: str, response: ApiResponse) -> dict[str, Any]:
    return {"step": step, "code": response.code, "description": response.description,
            "report_id": response.report_id, "file_id": response.file_id}


class CyberTiplineDestination(Destination):
    """Outbox destination: payload ``{"report": CyberTipReport.as_dict()}``; target
    ``{"base_url": optional override of the settings' URL}``."""

    name = "cybertipline"
    description = "NCMEC CyberTipline reporting API"

    def __init__(self, username: str | None = None, password: str | None = None,
                 base_url: str | None = None, **client_options: Any) -> None:
        self._username, self._password, self._base_url = username, password, base_url
        self._options = client_options

    def _settings(self) -> tuple[str, str | None, str | None]:
        from crowsnest.config import get_settings

        s = get_settings()
        return (self._base_url or s.cybertipline_url, self._username or s.cybertipline_username,
                self._password or s.cybertipline_password)

    def validate_target(self, target: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(target, dict):
            raise InvalidInput("a cybertipline target must be an object")
        return {"base_url": check_base_url(target["base_url"])} if target.get("base_url") else {}

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        try:
            target = self.validate_target(delivery.target)
            report = CyberTipReport.from_dict(delivery.payload.get("report") or {})
            base_url, username, password = self._settings()
            client = CyberTiplineClient(target.get("base_url", base_url), username or "",
                                        password or "", **self._options)
        except InvalidInput as error:
            return DeliveryResult(False, False, error.message)
        try:
            with client:
                sent = client.submit_report(report)
        except CyberTiplineError as error:
            return DeliveryResult(False, error.retryable, error.message)
        except ExternalDependencyError as error:
            return DeliveryResult(False, True, error.message)
        return DeliveryResult(True, detail=f"report {sent.report_id} filed", response={
            "report_id": sent.report_id, "file_ids": sent.file_ids,
            "report_xml": sent.report_xml.decode("utf-8"), "steps": sent.responses})
