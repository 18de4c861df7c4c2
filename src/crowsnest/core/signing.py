"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"``.

The sender puts the Unix timestamp and the signature in two headers. The receiver
recomputes the HMAC with the shared secret, compares in constant time, and refuses
timestamps outside a tolerance window so a captured request cannot be replayed later.
Signing the timestamp together with the body binds the two: neither can be swapped.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

from crowsnest.core.errors import InvalidInput

TIMESTAMP_HEADER = "X-Crowsnest-Timestamp"
SIGNATURE_HEADER = "X-Crowsnest-Signature"
SIGNATURE_SCHEME = "v1"  # the signature header reads "v1=<hex>"; a new scheme gets a new tag
DEFAULT_TOLERANCE_S = 300


class InvalidSignature(InvalidInput):
    """A webhook's signature is missing, malformed, wrong, or its timestamp is too old."""

    code = "invalid_signature"
    http_status = 401


def _mac(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers that authenticate ``body``: the timestamp and ``v1=<hmac hex>``."""
    if not secret:
        raise InvalidInput("a webhook secret must not be empty")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: f"{SIGNATURE_SCHEME}={_mac(secret, ts, body)}"}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def verify(
    secret: str | bytes,
    body: bytes,
    headers: Mapping[str, str],
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> int:
    """Check a signed request; return its timestamp or raise :class:`InvalidSignature`."""
    raw_ts, raw_sig = _header(headers, TIMESTAMP_HEADER), _header(headers, SIGNATURE_HEADER)
    if raw_ts is None or raw_sig is None:
        raise InvalidSignature("missing signature headers")
    try:
        ts = int(raw_ts)
    except ValueError:
        raise InvalidSignature("malformed signature timestamp") from None
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        raise InvalidSignature("signature timestamp outside the tolerance window")
    # several signatures may be sent during a secret rotation: "v1=aaa,v1=bbb"
    expected = _mac(secret, ts, body)
    for part in raw_sig.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SIGNATURE_SCHEME and hmac.compare_digest(value, expected):
            return ts
    raise InvalidSignature("signature does not match")
