"""The email destination against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.core.notices import render
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.email import EmailDestination, SmtpServer

from crowsnest.testing.servers import SmtpInbox, TlsFiles, free_port

FIELDS = {
    "recipient": "Host BV", "sender_name": "Hotline NL", "sender_email": "hotline@nl.example",
    "url": "https://files.example/v/1", "ip": "192.0.2.10", "hosting_country": "NL",
    "reported_at": "2026-01-01", "assessed_at": "2026-01-02", "reference": "NL-1",
    "classification": "inhope:baseline",
}


def notice_delivery(key: str = "case-1:notice", to: list[str] | None = None) -> Delivery:
    payload = render("takedown_notice", "de", FIELDS).as_payload()
    return Delivery(key, "takedown_notice", payload, {"to": to or ["abuse@host.example"]})


def test_notice_arrives_with_stable_message_id(smtp_server: SmtpInbox) -> None:
    dest = EmailDestination(SmtpServer(port=smtp_server.port, sender="hotline@nl.example"))
    result = dest.deliver(notice_delivery())
    assert result.ok, result.detail
    assert dest.deliver(notice_delivery()).ok  # a retry: same Message-ID
    first, second = smtp_server.messages
    assert smtp_server.envelopes[0] == ("hotline@nl.example", ["abuse@host.example"])
    assert first["Subject"].startswith("Hinweis auf rechtswidrige Inhalte")
    assert first["Message-ID"] == second["Message-ID"] == result.response["message_id"]
    assert "https://files.example/v/1" in first.get_payload(decode=True).decode()
    other = dest.deliver(notice_delivery("case-2:notice"))
    assert other.response["message_id"] != result.response["message_id"]


def test_starttls_with_certificate_verification(smtp_tls_server: SmtpInbox, tls_files: TlsFiles) -> None:
    secure = SmtpServer(host="localhost", port=smtp_tls_server.port, starttls=True,
                        ca_file=str(tls_files.cert))
    assert EmailDestination(secure).deliver(notice_delivery()).ok
    assert len(smtp_tls_server.messages) == 1
    # the server demands STARTTLS: a client that does not use it is refused
    plain = EmailDestination(SmtpServer(host="localhost", port=smtp_tls_server.port))
    refused = plain.deliver(notice_delivery())
    assert not refused.ok and len(smtp_tls_server.messages) == 1
    # an unknown certificate authority fails the connection, retryably (config may be fixed)
    unverified = EmailDestination(SmtpServer(host="localhost", port=smtp_tls_server.port,
                                             starttls=True))
    result = unverified.deliver(notice_delivery())
    assert not result.ok and "CERTIFICATE_VERIFY_FAILED" in result.detail


def test_starttls_required_but_not_offered(smtp_server: SmtpInbox) -> None:
    dest = EmailDestination(SmtpServer(port=smtp_server.port, starttls=True))
    result = dest.deliver(notice_delivery())
    assert not result.ok and not result.retryable and "STARTTLS" in result.detail
    assert smtp_server.messages == []


@pytest.mark.parametrize(("reply", "retryable"), [("451 4.3.0 try later", True),
                                                   ("554 5.7.1 rejected", False)])
def test_server_refusals_map_to_retryable(smtp_server: SmtpInbox, reply: str, retryable: bool) -> None:
    smtp_server.reply = reply
    result = EmailDestination(SmtpServer(port=smtp_server.port)).deliver(notice_delivery())
    assert (result.ok, result.retryable) == (False, retryable)
    assert reply.split()[0] in result.detail


def test_unreachable_server_is_a_retryable_result() -> None:
    result = EmailDestination(SmtpServer(port=free_port(), timeout=2)).deliver(notice_delivery())
    assert not result.ok and result.retryable


def test_targets_and_payloads_are_validated(smtp_server: SmtpInbox) -> None:
    dest = EmailDestination(SmtpServer(port=smtp_server.port))
    assert dest.validate_target({"to": "a@b.example"}) == {"to": ["a@b.example"]}
    for bad in ({}, {"to": []}, {"to": ["not an address"]}, {"to": ["a@b.example"] * 21},
                {"to": ["x@y.example"], "reply_to": "nope"}, {"to": ["a@b.example\r\nBcc: c@d"]}):
        with pytest.raises(InvalidInput):
            dest.validate_target(bad)
    bad_payload = Delivery("k", "takedown_notice", {"subject": "a\nBcc: x@y", "text": "t"},
                           {"to": ["a@b.example"]})
    result = dest.deliver(bad_payload)
    assert not result.ok and not result.retryable
    assert dest.deliver(Delivery("k", "x", {}, {"to": ["a@b.example"]})).ok is False
    assert smtp_server.messages == []
