"""The ``email`` destination: notices and forwards sent over SMTP.

Target: ``{"to": ["abuse@host.example", ...], "reply_to": "optional@address"}``.
Payload: ``{"subject": ..., "text": ...}`` — already rendered (see ``core.notices``), so
the outbox holds exactly what was sent. The server comes from settings (``smtp_*``) or is
passed in; with ``starttls`` the connection is upgraded and the certificate verified, and
sending stops if the server does not offer STARTTLS.

The Message-ID is derived from the delivery key, so a retried message carries the same id
and mail systems that de-duplicate can recognise it.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from crowsnest.core.errors import InvalidInput
from crowsnest.destinations.base import Delivery, DeliveryResult, Destination

MAX_RECIPIENTS = 20
MAX_SUBJECT = 300
MAX_TEXT = 200_000
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9.-]{1,253}$")


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send mail."""

    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    ca_file: str | None = None
    username: str | None = None
    password: str | None = None
    sender: str = "crowsnest@localhost"
    timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> SmtpServer:
        from crowsnest.config import get_settings

        s = get_settings()
        return cls(s.smtp_host, s.smtp_port, s.smtp_starttls, s.smtp_ca_file, s.smtp_username,
                   s.smtp_password, s.smtp_from, s.smtp_timeout)


def check_address(value: object) -> str:
    """A plain ``local@domain`` address, or :class:`InvalidInput`."""
    if not isinstance(value, str) or not _ADDRESS.match(value.strip()):
        raise InvalidInput(f"{str(value)[:100]!r} is not an e-mail address")
    return value.strip()


class EmailDestination(Destination):
    """Send a rendered notice as a plain-text e-mail."""

    name = "email"
    description = "E-mail over SMTP (optional STARTTLS)"

    def __init__(self, server: SmtpServer | None = None) -> None:
        self._server = server

    @property
    def server(self) -> SmtpServer:
        return self._server or SmtpServer.from_settings()

    def validate_target(self, target: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(target, dict):
            raise InvalidInput("an email target must be an object")
        to = target.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to:
            raise InvalidInput("an email target needs 'to': one or more addresses")
        if len(to) > MAX_RECIPIENTS:
            raise InvalidInput(f"at most {MAX_RECIPIENTS} recipients per message")
        out: dict[str, Any] = {"to": [check_address(a) for a in to]}
        if target.get("reply_to"):
            out["reply_to"] = check_address(target["reply_to"])
        return out

    def build_message(self, delivery: Delivery, server: SmtpServer) -> EmailMessage:
        target = self.validate_target(delivery.target)
        subject, text = delivery.payload.get("subject"), delivery.payload.get("text")
        if not isinstance(subject, str) or not isinstance(text, str) or not subject or not text:
            raise InvalidInput("an email payload needs a 'subject' and a 'text'")
        if len(subject) > MAX_SUBJECT or len(text) > MAX_TEXT or "\n" in subject or "\r" in subject:
            raise InvalidInput("the email subject or text is too long, or the subject has a line break")
        message = EmailMessage()
        message["From"] = Address(addr_spec=server.sender)
        message["To"] = ", ".join(target["to"])
        if "reply_to" in target:
            message["Reply-To"] = target["reply_to"]
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:40]
        message["Message-ID"] = f"<{digest}@crowsnest.invalid>"
        message["X-Crowsnest-Delivery"] = digest
        message.set_content(text)
        return message

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        server = self.server
        try:
            message = self.build_message(delivery, server)
        except InvalidInput as error:
            return DeliveryResult(False, False, error.message)
        try:
            refused = self._send(server, message)
        except smtplib.SMTPResponseException as error:
            # 4xx replies are temporary by definition; 5xx are permanent.
            return DeliveryResult(False, 400 <= error.smtp_code < 500,
                                  f"SMTP {error.smtp_code}: {_text(error.smtp_error)}")
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            return DeliveryResult(False, all(400 <= c < 500 for c in codes),
                                  f"all recipients refused: {codes}")
        except smtplib.SMTPNotSupportedError as error:
            return DeliveryResult(False, False, f"SMTP server lacks a needed feature: {error}")
        except (smtplib.SMTPException, OSError, ssl.SSLError) as error:
            return DeliveryResult(False, True, f"SMTP connection failed: {error}")
        if refused:
            return DeliveryResult(True, detail=f"sent; refused by some: {sorted(refused)}",
                                  response={"refused": sorted(refused)})
        return DeliveryResult(True, detail="sent", response={"message_id": message["Message-ID"]})

    def _send(self, server: SmtpServer, message: EmailMessage) -> dict[str, Any]:
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
            smtp.ehlo()
            if server.starttls:
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError("STARTTLS is required but not offered")
                context = ssl.create_default_context(cafile=server.ca_file)
                smtp.starttls(context=context)
                smtp.ehlo()
            if server.username:
                smtp.login(server.username, server.password or "")
            return smtp.send_message(message)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
