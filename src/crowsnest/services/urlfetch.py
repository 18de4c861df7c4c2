"""Fetch media by URL -- only when the operator enabled it, and never inside the network.

Used by the HMA-compatible ``GET /h/hash?url=`` and ``/m/lookup?url=``. Each URL and
each redirect hop goes through :func:`crowsnest.core.netguard.check_url`, and the
connection is made to the address that was checked (the TLS name stays the host's, so
certificates are verified as usual). Bodies are read up to ``max_bytes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from crowsnest.core.errors import CrowsnestError, Forbidden, MediaTooLarge
from crowsnest.core.netguard import PinnedTarget, Resolver, UnsafeURL, check_url, system_resolver

MAX_REDIRECTS = 3
Checker = Callable[[str, Resolver], PinnedTarget]


class FetchFailed(CrowsnestError):
    """The remote server could not be reached or answered with an error."""

    code = "fetch_failed"
    http_status = 400
    exit_code = 3


@dataclass(frozen=True)
class Fetched:
    """Downloaded bytes and the server's declared content type."""

    data: bytes
    content_type: str


def _pinned_url(url: str, ip: str) -> str:
    parts = urlsplit(url)
    host = f"[{ip}]" if ":" in ip else ip
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _read(response: httpx.Response, max_bytes: int) -> Fetched:
    if response.status_code >= 400:
        raise FetchFailed(f"failed to fetch URL: HTTP {response.status_code}")
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise MediaTooLarge("content too large")
    data = bytearray()
    for chunk in response.iter_bytes():
        data.extend(chunk)
        if len(data) > max_bytes:
            raise MediaTooLarge("content too large")
    return Fetched(bytes(data), response.headers.get("content-type", ""))


def fetch(
    url: str, *, enabled: bool, max_bytes: int, timeout_s: float = 15.0,
    resolver: Resolver = system_resolver, check: Checker = check_url,
) -> Fetched:
    """Download ``url`` under the SSRF rules; Forbidden when fetching is disabled.

    ``check`` vets each hop (tests substitute one that admits a local server)."""
    if not enabled:
        raise Forbidden("URL fetching is disabled on this server")
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = check(url, resolver)
            request = client.build_request(
                "GET", _pinned_url(url, target.ip),
                headers={"Host": urlsplit(url).netloc.rsplit("@", 1)[-1]},
                extensions={"sni_hostname": target.host} if target.scheme == "https" else {},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as error:
                raise FetchFailed(f"failed to fetch URL: {error}") from None
            try:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue  # the next hop is vetted again
                return _read(response, max_bytes)
            finally:
                response.close()
    raise UnsafeURL("too many redirects")
