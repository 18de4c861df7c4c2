"""The ``crowsnest`` destination: hotline-to-hotline forwarding to another instance.

A forward is JSON ``{"key", "kind", "sent_at", "payload"}`` POSTed to the peer's forward
endpoint, signed with the secret shared with that peer (``core.signing``: HMAC-SHA256
over timestamp, nonce and body). The peer verifies the signature, refuses replays and
stale requests, and stores the delivery ``key``: sending the same key again (a retry after
a lost answer) is acknowledged as a duplicate and arrives once.

Target: ``{"url": "https://peer.example/v1/hotline/forwards", "key_id": "nl-to-de",
"ca_file": optional CA bundle}``. The URL must be HTTPS; plain HTTP is accepted only for a
loopback address (local development and tests). Secrets are never part of the target (it
is stored in the outbox): they come from settings (``hotline_peer_keys``) or the
constructor.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from crowsnest.core.errors import InvalidInput
from crowsnest.core.forward_signing import sign
from crowsnest.destinations.base import Delivery, DeliveryResult, Destination

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
_LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def forward_body(delivery: Delivery, sent_at: datetime | None = None) -> bytes:
    """The exact bytes sent (and signed) for ``delivery``."""
    document = {"key": delivery.key, "kind": delivery.kind,
                "sent_at": (sent_at or datetime.now(UTC)).isoformat(), "payload": delivery.payload}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


class CrowsnestDestination(Destination):
    """Forward a case to another crowsnest instance over signed HTTPS."""

    name = "crowsnest"
    description = "Another crowsnest instance (signed JSON over HTTPS, idempotent)"

    def __init__(self, keys: Mapping[str, str | bytes] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._keys = keys
        self._transport = transport

    def _secret(self, key_id: str) -> bytes | None:
        keys = self._keys
        if keys is None:
            from crowsnest.config import get_settings

            keys = get_settings().hotline_peer_keys
        value = keys.get(key_id)
        return value.encode() if isinstance(value, str) else value

    def validate_target(self, target: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(target, dict):
            raise InvalidInput("a crowsnest target must be an object")
        url, key_id = target.get("url"), target.get("key_id")
        if not isinstance(url, str) or not isinstance(key_id, str) or not key_id:
            raise InvalidInput("a crowsnest target needs 'url' and 'key_id'")
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidInput(f"{url[:200]!r} is not an http(s) URL")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise InvalidInput("forwards go over HTTPS; plain http only to a loopback address")
        out = {"url": url, "key_id": key_id}
        if target.get("ca_file"):
            out["ca_file"] = str(target["ca_file"])
        return out

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        try:
            target = self.validate_target(delivery.target)
        except InvalidInput as error:
            return DeliveryResult(False, False, error.message)
        secret = self._secret(target["key_id"])
        if not secret:
            return DeliveryResult(False, False, f"no shared secret for key id {target['key_id']!r}")
        body = forward_body(delivery)
        headers = {"Content-Type": "application/json", "Idempotency-Key": delivery.key,
                   **sign(body, key_id=target["key_id"], secret=secret)}
        verify: Any = ssl.create_default_context(cafile=target["ca_file"]) \
            if target.get("ca_file") else True
        try:
            with httpx.Client(timeout=TIMEOUT, verify=verify, transport=self._transport,
                              follow_redirects=False) as client:
                response = client.post(target["url"], content=body, headers=headers)
        except httpx.HTTPError as error:
            return DeliveryResult(False, True, f"{type(error).__name__}: {error}")
        return _result(response)


def _result(response: httpx.Response) -> DeliveryResult:
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {"body": answer}
    if 200 <= response.status_code < 300:
        return DeliveryResult(True, detail=str(answer.get("status", "accepted")), response=answer)
    # Timeouts, throttling and server faults may pass; other refusals will not.
    retryable = response.status_code in (408, 425, 429) or response.status_code >= 500
    return DeliveryResult(False, retryable, f"peer answered HTTP {response.status_code}",
                          response=answer)
