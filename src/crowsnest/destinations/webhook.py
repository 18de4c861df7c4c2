"""Built-in ``webhook`` destination: an HTTP POST of the JSON payload, signed.

Target: ``{"url": "https://...", "secret": "...", "headers": {...}?}``. The body is the
payload as compact JSON; ``X-Crowsnest-Timestamp`` and ``X-Crowsnest-Signature``
(HMAC-SHA256 over ``"<timestamp>.<body>"``, see :mod:`crowsnest.core.signing`) let the
receiver check authenticity and freshness, and ``Idempotency-Key`` carries the delivery's
stable key so a receiver can drop the duplicates that retries may cause.

Outcomes: 2xx delivered; 408, 425, 429 and 5xx, timeouts and connection errors are
retryable; any other 4xx is final (retrying the same request cannot help).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from crowsnest.core.errors import InvalidInput
from crowsnest.core.signing import sign
from crowsnest.destinations.base import Delivery, DeliveryResult, Destination

RETRYABLE_STATUS = frozenset({408, 425, 429})
_RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "idempotency-key",
                               "x-crowsnest-timestamp", "x-crowsnest-signature"})


class WebhookDestination(Destination):
    """POST signed JSON to a URL."""

    name: ClassVar[str] = "webhook"
    description: ClassVar[str] = "HTTP POST of signed JSON (HMAC-SHA256, timestamped)"

    def __init__(self, timeout_s: float = 10.0) -> None:
        self.timeout_s = timeout_s

    def validate_target(self, target: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(target, dict):
            raise InvalidInput("a webhook target must be an object with 'url' and 'secret'")
        url, secret = target.get("url"), target.get("secret")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
                or not urlsplit(url).hostname:
            raise InvalidInput("a webhook target needs an http(s) 'url'")
        if not isinstance(secret, str) or len(secret) < 16:
            raise InvalidInput("a webhook target needs a 'secret' of at least 16 characters")
        headers = target.get("headers") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise InvalidInput("webhook 'headers' must map strings to strings")
        clash = sorted(k for k in headers if k.lower() in _RESERVED_HEADERS)
        if clash:
            raise InvalidInput(f"webhook headers may not set {', '.join(clash)}")
        unknown = sorted(set(target) - {"url", "secret", "headers"})
        if unknown:
            raise InvalidInput(f"unknown webhook target field(s): {', '.join(unknown)}")
        return {"url": url, "secret": secret, "headers": dict(headers)}

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        target = delivery.target
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.key,
            "User-Agent": "crowsnest-webhook/1",
            **target.get("headers", {}),
            **sign(target["secret"], body),
        }
        try:
            with httpx.Client(timeout=self.timeout_s, follow_redirects=False) as client:
                response = client.post(target["url"], content=body, headers=headers)
        except httpx.TimeoutException as error:
            return DeliveryResult(ok=False, retryable=True, detail=f"timeout: {error}")
        except httpx.HTTPError as error:
            return DeliveryResult(ok=False, retryable=True, detail=f"transport error: {error}")
        status = response.status_code
        info = {"status": status}
        if 200 <= status < 300:
            return DeliveryResult(ok=True, detail=f"HTTP {status}", response=info)
        retryable = status >= 500 or status in RETRYABLE_STATUS
        return DeliveryResult(ok=False, retryable=retryable, detail=f"HTTP {status}",
                              response=info)
