"""Signing and verifying hotline-to-hotline forwards (HMAC-SHA256, timestamp, nonce).

The sender and receiver share a secret per peer, named by a key id. A forward carries:

* ``X-Crowsnest-Key-Id``: which shared secret signed it;
* ``X-Crowsnest-Timestamp``: Unix seconds; the receiver refuses anything outside
  ``max_skew`` seconds of its clock;
* ``X-Crowsnest-Nonce``: random, never accepted twice within the skew window;
* ``X-Crowsnest-Signature``: ``v1=`` + HMAC-SHA256 hex over
  ``"{timestamp}.{nonce}.".encode() + body``.

So a captured request cannot be replayed (same nonce, or too old), altered (signature), or
forged without the secret. Idempotency is separate: the body carries the delivery key and
the receiver stores the keys it has accepted, so a re-sent forward (new nonce, same key)
arrives once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from crowsnest.core.errors import InvalidInput, InvalidForward

KEY_ID = "X-Crowsnest-Key-Id"
TIMESTAMP = "X-Crowsnest-Timestamp"
NONCE = "X-Crowsnest-Nonce"
SIGNATURE = "X-Crowsnest-Signature"
DEFAULT_MAX_SKEW = 300
MIN_SECRET_BYTES = 16


def _mac(secret: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, *, key_id: str, secret: bytes, now: float | None = None,
         nonce: str | None = None) -> dict[str, str]:
    """The headers that sign ``body`` for the peer that knows ``secret`` as ``key_id``."""
    if len(secret) < MIN_SECRET_BYTES:
        raise InvalidInput(f"a signing secret must be at least {MIN_SECRET_BYTES} bytes")
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {KEY_ID: key_id, TIMESTAMP: timestamp, NONCE: nonce,
            SIGNATURE: "v1=" + _mac(secret, timestamp, nonce, body)}


class NonceStore(Protocol):
    """Remembers nonces until they expire; ``add`` is False for a nonce seen before."""

    def add(self, key_id: str, nonce: str, expires_at: float) -> bool: ...


class MemoryNonceStore:
    """Nonces in memory (one process); a DB-backed store implements the same ``add``."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def add(self, key_id: str, nonce: str, expires_at: float) -> bool:
        with self._lock:
            now = self._clock()
            if len(self._seen) > 10_000:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
            if self._seen.get((key_id, nonce), 0) > now:
                return False
            self._seen[(key_id, nonce)] = expires_at
            return True


class ForwardVerifier:
    """Checks signed forwards from known peers; raises :class:`InvalidForward`."""

    def __init__(self, secrets_by_key: Mapping[str, bytes], nonces: NonceStore | None = None,
                 max_skew: int = DEFAULT_MAX_SKEW, clock: Callable[[], float] = time.time) -> None:
        self._secrets = dict(secrets_by_key)
        self._clock = clock
        self._nonces = nonces if nonces is not None else MemoryNonceStore(clock)
        self.max_skew = max_skew

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        """Return the key id of a valid, fresh, first-seen forward."""
        lowered = {k.lower(): v for k, v in headers.items()}
        key_id, timestamp, nonce, signature = (lowered.get(h.lower()) for h in
                                               (KEY_ID, TIMESTAMP, NONCE, SIGNATURE))
        if not (key_id and timestamp and nonce and signature):
            raise InvalidForward("the forward is not signed (signature headers are missing)")
        secret = self._secrets.get(key_id)
        if secret is None:
            raise InvalidForward(f"unknown signing key {key_id[:64]!r}")
        if not signature.startswith("v1=") or not hmac.compare_digest(
                signature[3:], _mac(secret, timestamp, nonce, body)):
            raise InvalidForward("the signature does not match the body")
        try:
            sent = int(timestamp)
        except ValueError:
            raise InvalidForward("the signature timestamp is not a number") from None
        now = self._clock()
        if abs(now - sent) > self.max_skew:
            raise InvalidForward(f"the forward is stale or from the future (skew > {self.max_skew} s)")
        if len(nonce) < 16 or not self._nonces.add(key_id, nonce, sent + 2 * self.max_skew):
            raise InvalidForward("the forward was replayed (nonce already used)")
        return key_id
