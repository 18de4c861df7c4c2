"""A local stand-in for NCMEC's CyberTipline reporting API, for tests only.

It speaks the documented protocol on 127.0.0.1: HTTP Basic authentication; ``GET /status``;
``POST /submit`` with a ``<report>`` document (checked for the required incident type,
incident time and reporting person's e-mail — else response code 4100); ``POST /upload``
(multipart ``id`` + ``file``; answers fileId and the file's MD5); ``POST /fileinfo`` with a
``<fileDetails>`` document; ``POST /finish`` and ``POST /retract`` (form ``id``). Answers are
``<reportResponse>``/``<reportDoneResponse>`` documents as in the documentation. It keeps
what it received so tests can inspect it; uploaded bytes are kept only as size and MD5.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from crowsnest.destinations.cybertipline.xml import done_xml, response_xml


@dataclass
class OpenReport:
    report_xml: bytes
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    file_details: list[bytes] = field(default_factory=list)
    finished: bool = False
    retracted: bool = False


@dataclass
class CyberTiplineState:
    url: str
    username: str
    password: str
    reports: dict[str, OpenReport] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail_next: dict[str, int] = field(default_factory=dict)  # path -> number of HTTP 503s
    server_error_next: dict[str, int] = field(default_factory=dict)  # path -> code 1000s
    next_id: int = 1000


def _valid_report(body: bytes) -> str:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        return f"not XML: {error}"
    if root.tag != "report":
        return "root element must be report"
    for path in ("incidentSummary/incidentType", "incidentSummary/incidentDateTime",
                 "reporter/reportingPerson/email"):
        if not (root.findtext(path) or "").strip():
            return f"{path} is required"
    return ""


class _Handler(BaseHTTPRequestHandler):
    state: CyberTiplineState

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        expected = base64.b64encode(f"{self.state.username}:{self.state.password}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {expected}":
            return True
        self._send(401, response_xml(2000, "Authentication required"))
        return False

    def _path(self) -> str:
        return self.path.split("?")[0].removeprefix("/ispws")

    def _injected_failure(self, path: str) -> bool:
        if self.state.fail_next.get(path, 0) > 0:
            self.state.fail_next[path] -= 1
            self._send(503, b"unavailable")
            return True
        if self.state.server_error_next.get(path, 0) > 0:
            self.state.server_error_next[path] -= 1
            self._send(200, response_xml(1000, "Server error"))
            return True
        return False

    def do_GET(self) -> None:
        path = self._path()
        self.state.calls.append(f"GET {path}")
        if not self._authorised():
            return
        if path == "/status":
            return self._send(200, response_xml(0, f"Remote User : {self.state.username}"))
        self._send(404, b"")

    def do_POST(self) -> None:
        path = self._path()
        self.state.calls.append(f"POST {path}")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self._authorised() or self._injected_failure(path):
            return
        handler = {"/submit": self._submit, "/upload": self._upload, "/fileinfo": self._fileinfo,
                   "/finish": self._finish, "/retract": self._retract}.get(path)
        if handler is None:
            return self._send(404, b"")
        handler(body)

    def _open(self, report_id: str | None) -> OpenReport | None:
        report = self.state.reports.get(report_id or "")
        if report is None or report.retracted:
            self._send(200, response_xml(5001, "Report does not exist"))
            return None
        if report.finished:
            self._send(200, response_xml(5102, "Report already finished"))
            return None
        return report

    def _submit(self, body: bytes) -> None:
        problem = _valid_report(body)
        if problem:
            return self._send(200, response_xml(4100, f"Validation failed: {problem}"))
        self.state.next_id += 1
        report_id = str(self.state.next_id)
        self.state.reports[report_id] = OpenReport(body)
        self._send(200, response_xml(0, "Success", reportId=report_id))

    def _form(self, body: bytes) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(body.decode()).items()}

    def _upload(self, body: bytes) -> None:
        header = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(header + body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            fields[part.get_param("name", header="content-disposition")] = part
        report_id = fields["id"].get_content().strip() if "id" in fields else None
        report = self._open(report_id)
        if report is None or "file" not in fields:
            if report is not None:
                self._send(200, response_xml(4100, "Validation failed: file is required"))
            return
        content = fields["file"].get_payload(decode=True) or b""
        digest = hashlib.md5(content).hexdigest()  # noqa: S324 - the documented upload hash
        file_id = hashlib.md5(f"{report_id}:{len(report.files)}".encode()).hexdigest()  # noqa: S324
        report.files[file_id] = {"name": fields["file"].get_filename(), "size": len(content),
                                 "md5": digest}
        self._send(200, response_xml(0, "Success", reportId=report_id or "", fileId=file_id,
                                     hash=digest))

    def _fileinfo(self, body: bytes) -> None:
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return self._send(200, response_xml(4100, "Validation failed: not XML"))
        report = self._open(root.findtext("reportId"))
        if report is None:
            return
        if root.findtext("fileId") not in report.files:
            return self._send(200, response_xml(4100, "Validation failed: unknown fileId"))
        report.file_details.append(body)
        self._send(200, response_xml(0, "Success", reportId=root.findtext("reportId") or ""))

    def _finish(self, body: bytes) -> None:
        report_id = self._form(body).get("id")
        report = self._open(report_id)
        if report is None:
            return
        report.finished = True
        self._send(200, done_xml(report_id or "", list(report.files)))

    def _retract(self, body: bytes) -> None:
        report_id = self._form(body).get("id")
        report = self._open(report_id)
        if report is None:
            return
        report.retracted = True
        self._send(200, response_xml(0, "Success", reportId=report_id or ""))


def run_cybertipline_server(username: str = "usr123", password: str = "pswd123"
                            ) -> Iterator[CyberTiplineState]:
    """Serve the stand-in on 127.0.0.1 until the generator is closed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    state = CyberTiplineState(f"http://127.0.0.1:{server.server_address[1]}/ispws",
                              username, password)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"state": state})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
