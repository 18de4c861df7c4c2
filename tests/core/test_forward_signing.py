"""Signed forwards: valid ones pass; unsigned, altered, stale and replayed ones do not."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput, InvalidForward
from crowsnest.core.forward_signing import NONCE, SIGNATURE, TIMESTAMP, ForwardVerifier, sign

SECRET = b"s" * 32
BODY = b'{"key":"case-1","url":"https://example.com/"}'


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def verifier(clock: Clock) -> ForwardVerifier:
    return ForwardVerifier({"peer-a": SECRET}, clock=clock)


def test_valid_forward_passes_once() -> None:
    clock = Clock()
    check = verifier(clock)
    headers = sign(BODY, key_id="peer-a", secret=SECRET, now=clock.now)
    assert check.verify(headers, BODY) == "peer-a"
    with pytest.raises(InvalidForward, match="replayed"):
        check.verify(headers, BODY)
    # header names are case-insensitive, as in HTTP
    again = sign(BODY, key_id="peer-a", secret=SECRET, now=clock.now)
    assert check.verify({k.lower(): v for k, v in again.items()}, BODY) == "peer-a"


@pytest.mark.parametrize("tamper", ["body", "signature", "timestamp", "nonce", "unsigned",
                                    "key", "secret"])
def test_tampered_forwards_are_refused(tamper: str) -> None:
    clock = Clock()
    headers = sign(BODY, key_id="peer-a", secret=SECRET, now=clock.now)
    body = BODY
    if tamper == "body":
        body = BODY.replace(b"example", b"exampl3")
    elif tamper == "signature":
        headers[SIGNATURE] = "v1=" + "0" * 64
    elif tamper == "timestamp":
        headers[TIMESTAMP] = str(int(clock.now) + 1)
    elif tamper == "nonce":
        headers[NONCE] = "f" * 32
    elif tamper == "unsigned":
        headers = {}
    elif tamper == "key":
        headers = sign(BODY, key_id="peer-b", secret=SECRET, now=clock.now)
    elif tamper == "secret":
        headers = sign(BODY, key_id="peer-a", secret=b"x" * 32, now=clock.now)
    with pytest.raises(InvalidForward) as caught:
        verifier(clock).verify(headers, body)
    assert caught.value.http_status == 401


def test_stale_and_future_forwards_are_refused() -> None:
    clock = Clock()
    check = verifier(clock)
    old = sign(BODY, key_id="peer-a", secret=SECRET, now=clock.now - 301)
    future = sign(BODY, key_id="peer-a", secret=SECRET, now=clock.now + 301)
    for headers in (old, future):
        with pytest.raises(InvalidForward, match="stale"):
            check.verify(headers, BODY)


def test_short_secrets_are_refused() -> None:
    with pytest.raises(InvalidInput):
        sign(BODY, key_id="k", secret=b"short")
