"""SSRF guard: decide whether a URL may be fetched, and pin the address that was checked.

A service that fetches URLs for its callers can be turned against its own network
(cloud metadata at 169.254.169.254, admin consoles on 127.0.0.1, databases on 10.x).
The guard resolves the host name once, refuses the URL if *any* resolved address is not
public (private, loopback, link-local, multicast, reserved, unspecified, shared/CGNAT,
IPv4-mapped forms of those), and returns the address it checked so the caller connects
to exactly that address. Pinning defeats DNS rebinding, where a second resolution at
connect time would return an internal address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from crowsnest.core.errors import InvalidInput

Resolver = Callable[[str, int], list[str]]
ALLOWED_SCHEMES = {"http": 80, "https": 443}


class UnsafeURL(InvalidInput):
    """The URL is malformed, uses another scheme, or points at a non-public address."""

    code = "unsafe_url"
    http_status = 400


@dataclass(frozen=True)
class PinnedTarget:
    """A vetted URL together with the one address the caller must connect to."""

    url: str
    scheme: str
    host: str
    port: int
    ip: str


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"cannot resolve host {host!r}: {error}") from None
    return sorted({str(info[4][0]) for info in infos})


def is_public_address(address: str) -> bool:
    """Whether ``address`` is a globally routable unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local:
        return False
    if ip.is_private or ip.is_reserved:
        return False
    return ip.is_global


def check_url(url: str, resolver: Resolver = system_resolver) -> PinnedTarget:
    """Vet ``url`` and pin a public address for it, or raise :class:`UnsafeURL`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"malformed URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL("only http and https URLs can be fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("URLs with credentials are refused")
    port = port or ALLOWED_SCHEMES[scheme]
    addresses = resolver(host, port)
    if not addresses:
        raise UnsafeURL(f"host {host!r} resolves to no address")
    refused = [a for a in addresses if not is_public_address(a)]
    if refused:
        raise UnsafeURL(
            f"host {host!r} resolves to a non-public address; refusing to fetch",
            detail={"addresses": refused},
        )
    return PinnedTarget(url=url, scheme=scheme, host=host, port=port, ip=addresses[0])
