"""Hotline-to-hotline forwards: signed, verified by the peer, idempotent, retried sensibly."""

from __future__ import annotations

import httpx
import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.crowsnest import CrowsnestDestination, forward_body
from crowsnest.testing.servers import ForwardReceiver, TlsFiles, free_port

PEER_SECRET = "peer-secret-0123456789abcdef"  # the receiver fixtures use the same
KEYS = {"nl-to-de": PEER_SECRET}
PAYLOAD = {"url": "https://files.example/v/1", "reference": "NL-1", "classification": ["inhope:baseline"]}


def forward(url: str, key: str = "case-1:forward:de", **extra: str) -> Delivery:
    return Delivery(key, "hotline_forward", PAYLOAD, {"url": url, "key_id": "nl-to-de", **extra})


def test_forward_arrives_once_even_when_sent_twice(forward_receiver: ForwardReceiver) -> None:
    dest = CrowsnestDestination(KEYS)
    first = dest.deliver(forward(forward_receiver.url))
    second = dest.deliver(forward(forward_receiver.url))
    assert (first.ok, first.detail, first.response["reference"]) == (True, "accepted", "R1")
    assert (second.ok, second.detail) == (True, "duplicate")
    assert list(forward_receiver.accepted) == ["case-1:forward:de"]
    assert forward_receiver.accepted["case-1:forward:de"]["payload"] == PAYLOAD
    assert forward_receiver.requests == 2


def test_forward_over_https_with_private_ca(https_forward_receiver: ForwardReceiver,
                                            tls_files: TlsFiles) -> None:
    dest = CrowsnestDestination(KEYS)
    result = dest.deliver(forward(https_forward_receiver.url, ca_file=str(tls_files.cert)))
    assert result.ok and len(https_forward_receiver.accepted) == 1
    untrusted = dest.deliver(forward(https_forward_receiver.url, key="other"))
    assert not untrusted.ok and untrusted.retryable and len(https_forward_receiver.accepted) == 1


def test_wrong_secret_is_refused_by_the_peer_and_not_retried(forward_receiver: ForwardReceiver) -> None:
    result = CrowsnestDestination({"nl-to-de": "a-different-secret-000000"}).deliver(
        forward(forward_receiver.url))
    assert (result.ok, result.retryable) == (False, False)
    assert result.response["error"] == "invalid_forward"
    assert forward_receiver.accepted == {}


def test_unsigned_and_replayed_requests_are_refused(forward_receiver: ForwardReceiver) -> None:
    body = forward_body(forward(forward_receiver.url))
    unsigned = httpx.post(forward_receiver.url, content=body)
    assert unsigned.status_code == 401
    from crowsnest.core.forward_signing import sign

    headers = sign(body, key_id="nl-to-de", secret=PEER_SECRET.encode())
    assert httpx.post(forward_receiver.url, content=body, headers=headers).status_code == 201
    replay = httpx.post(forward_receiver.url, content=body, headers=headers)
    assert replay.status_code == 401 and "replayed" in replay.json()["detail"]
    assert len(forward_receiver.accepted) == 1


def test_server_errors_are_retryable_then_succeed(forward_receiver: ForwardReceiver) -> None:
    forward_receiver.fail_next = 1
    dest = CrowsnestDestination(KEYS)
    failed = dest.deliver(forward(forward_receiver.url))
    assert (failed.ok, failed.retryable) == (False, True)
    assert dest.deliver(forward(forward_receiver.url)).ok


def test_unreachable_peer_is_a_retryable_result() -> None:
    result = CrowsnestDestination(KEYS).deliver(forward(f"http://127.0.0.1:{free_port()}/f"))
    assert (result.ok, result.retryable) == (False, True)


def test_targets_are_validated() -> None:
    dest = CrowsnestDestination(KEYS)
    assert dest.validate_target({"url": "https://de.example/f", "key_id": "k"})["url"]
    assert dest.validate_target({"url": "http://localhost:8000/f", "key_id": "k"})
    for bad in ({"url": "http://de.example/f", "key_id": "k"}, {"url": "ftp://x/", "key_id": "k"},
                {"url": "https://de.example/f"}, {"key_id": "k"}, "x"):
        with pytest.raises(InvalidInput):
            dest.validate_target(bad)  # type: ignore[arg-type]
    no_secret = CrowsnestDestination({}).deliver(forward("https://de.example/f"))
    assert not no_secret.ok and not no_secret.retryable and "no shared secret" in no_secret.detail
