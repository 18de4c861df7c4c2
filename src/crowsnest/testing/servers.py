"""Real local servers for tests: SMTP (aiosmtpd), a signed-forward receiver, TLS files.

Everything listens on 127.0.0.1 only; TLS uses a throw-away self-signed certificate. These
helpers need the ``test`` extra (aiosmtpd); they are shared by the destination tests and
the end-to-end hotline tests.
"""


from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crowsnest.core.errors import InvalidForward
from crowsnest.core.forward_signing import ForwardVerifier


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TlsFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_tls_files(folder: Path) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1 and localhost (it is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    files = TlsFiles(folder / "cert.pem", folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return files


@dataclass
class SmtpInbox:
    """What a local SMTP server received, and how to make it refuse or fail."""

    port: int
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    reply: str | None = None  # e.g. "451 try later" to simulate failures

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reply:
            return self.reply
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def run_smtp(tls: ssl.SSLContext | None) -> Iterator[SmtpInbox]:
    inbox = SmtpInbox(free_port())
    kwargs: dict[str, Any] = {}
    if tls is not None:
        kwargs = {"tls_context": tls, "require_starttls": True}
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **kwargs)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class ForwardReceiver:
    """A peer that verifies signed forwards and accepts each delivery key once."""

    url: str
    verifier: ForwardVerifier
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    fail_next: int = 0  # answer 503 this many times first


def _receiver_handler(state: ForwardReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            state.requests += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if state.fail_next > 0:
                state.fail_next -= 1
                return self._answer(503, {"error": "unavailable"})
            try:
                state.verifier.verify(dict(self.headers), body)
            except InvalidForward as error:
                return self._answer(401, {"error": error.code, "detail": error.message})
            document = json.loads(body)
            if document["key"] in state.accepted:
                return self._answer(200, {"status": "duplicate"})
            state.accepted[document["key"]] = document
            return self._answer(201, {"status": "accepted", "reference": f"R{len(state.accepted)}"})

    return Handler


def run_forward_receiver(verifier: ForwardVerifier, tls: ssl.SSLContext | None) -> Iterator[ForwardReceiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    scheme = "https" if tls else "http"
    state = ForwardReceiver(f"{scheme}://127.0.0.1:{server.server_address[1]}/v1/hotline/forwards",
                            verifier)
    server.RequestHandlerClass = _receiver_handler(state)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
