"""Tracing where a reported URL is hosted: host → IP → country and network owner.

Nothing here fetches the URL. Resolving the host name is optional (a hotline may not want
its resolver to be seen by the site) and every step is written to the result's ``log``,
so an analyst can see how a country was reached. The resolver is injectable, so tests and
air-gapped installations never touch DNS.

Country comes from ``iptocc``, an offline IP-to-country table shipped inside the package
(built from the regional internet registries' delegation files). The network owner (ASN)
comes from an optional table in the public ``ip2asn`` TSV layout (range start, range end,
AS number, country, AS description), loaded with :meth:`AsnTable.from_tsv` when the
operator provides one. An analyst can override any field (:func:`override`).
"""

from __future__ import annotations

import bisect
import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import iptocc

from crowsnest.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]
CountryLookup = Callable[[str], str | None]


@dataclass(frozen=True)
class AsnInfo:
    """The autonomous system that announces an address."""

    number: int
    owner: str
    registered_country: str | None = None


@dataclass(frozen=True)
class TraceResult:
    """Where a host appears to be hosted, and how that was found out."""

    host: str
    ips: tuple[str, ...] = ()
    ip: str | None = None
    country: str | None = None
    asn: int | None = None
    network_owner: str | None = None
    source: str = "lookup"
    log: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        return {"host": self.host, "ips": list(self.ips), "ip": self.ip, "country": self.country,
                "asn": self.asn, "network_owner": self.network_owner, "source": self.source,
                "log": list(self.log)}


class AsnTable:
    """IP ranges to AS numbers, searched by bisection; one sorted list per address family."""

    def __init__(self, rows: Iterable[tuple[IPAddress, IPAddress, AsnInfo]]) -> None:
        by_family: dict[int, list[tuple[int, int, AsnInfo]]] = {4: [], 6: []}
        for start, end, info in rows:
            by_family[start.version].append((int(start), int(end), info))
        self._starts: dict[int, list[int]] = {}
        self._rows: dict[int, list[tuple[int, int, AsnInfo]]] = {}
        for version, rows_of in by_family.items():
            rows_of.sort(key=lambda row: row[0])
            self._rows[version] = rows_of
            self._starts[version] = [row[0] for row in rows_of]

    @classmethod
    def from_tsv(cls, path: str | Path) -> AsnTable:
        """Load an ``ip2asn``-layout TSV; AS number 0 rows (unannounced) are skipped."""
        rows = []
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 5:
                    raise InvalidInput(f"{path}: line {number}: expected 5 tab-separated fields")
                try:
                    start, end = ipaddress.ip_address(parts[0]), ipaddress.ip_address(parts[1])
                    asn = int(parts[2])
                except ValueError as error:
                    raise InvalidInput(f"{path}: line {number}: {error}") from None
                if asn:
                    country = parts[3] if parts[3] not in ("", "None") else None
                    rows.append((start, end, AsnInfo(asn, parts[4], country)))
        return cls(rows)

    def lookup(self, address: str) -> AsnInfo | None:
        ip = ipaddress.ip_address(address)
        starts, rows = self._starts[ip.version], self._rows[ip.version]
        index = bisect.bisect_right(starts, int(ip)) - 1
        if index >= 0 and rows[index][0] <= int(ip) <= rows[index][1]:
            return rows[index][2]
        return None


def system_resolver(host: str) -> list[str]:
    """The operating system's resolver: every address of ``host``, IPv4 first."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    found = {str(info[4][0]) for info in infos}
    return sorted(found, key=lambda a: (ipaddress.ip_address(a).version, a))


def offline_country(address: str) -> str | None:
    """Country (ISO 3166-1 alpha-2) of a public address from the shipped table."""
    return iptocc.country_code(address)


def trace(host: str, *, resolve: bool = False, resolver: Resolver | None = None,
          country_lookup: CountryLookup = offline_country, asn_table: AsnTable | None = None
          ) -> TraceResult:
    """Trace ``host`` (a name or an IP literal). Resolution happens only if ``resolve``."""
    host = host.strip().strip("[]").lower()
    if not host:
        raise InvalidInput("nothing to trace: the host is empty")
    log: list[str] = []
    literal = _as_ip(host)
    if literal is not None:
        ips = [str(literal)]
        log.append(f"{host} is an IP address; no resolution needed")
    elif not resolve:
        log.append("name resolution is switched off; set the IP or country by hand")
        return TraceResult(host, log=tuple(log))
    else:
        try:
            ips = (resolver or system_resolver)(host)
        except (OSError, UnicodeError) as error:
            log.append(f"resolving {host} failed: {error}")
            return TraceResult(host, log=tuple(log))
        log.append(f"resolved {host} to {', '.join(ips) or 'nothing'}")
        if not ips:
            return TraceResult(host, log=tuple(log))
    return _locate(host, ips, country_lookup, asn_table, log)


def _locate(host: str, ips: list[str], country_lookup: CountryLookup,
            asn_table: AsnTable | None, log: list[str]) -> TraceResult:
    ip = ips[0]
    parsed = ipaddress.ip_address(ip)
    if not parsed.is_global:
        log.append(f"{ip} is not a public address; it has no hosting country")
        return TraceResult(host, tuple(ips), ip, log=tuple(log))
    country = country_lookup(ip)
    log.append(f"{ip} is registered to country {country or 'unknown'} (offline table)")
    info = asn_table.lookup(ip) if asn_table is not None else None
    if asn_table is None:
        log.append("no ASN table configured; network owner unknown")
    elif info is None:
        log.append(f"{ip} is not announced in the ASN table")
    else:
        log.append(f"{ip} is announced by AS{info.number} ({info.owner})")
    return TraceResult(host, tuple(ips), ip, country, info.number if info else None,
                       info.owner if info else None, log=tuple(log))


def override(result: TraceResult, *, analyst: str, **fields: object) -> TraceResult:
    """A copy of ``result`` with fields set by an analyst, and the change logged."""
    allowed = {"ip", "country", "asn", "network_owner"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"cannot override {', '.join(sorted(unknown))}; "
                           f"only {', '.join(sorted(allowed))}")
    if "ip" in fields and fields["ip"] is not None and _as_ip(str(fields["ip"])) is None:
        raise InvalidInput(f"{fields['ip']!r} is not an IP address")
    country = fields.get("country")
    if country is not None and not (isinstance(country, str) and len(country) == 2
                                    and country.isascii() and country.isalpha()):
        raise InvalidInput(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    if country is not None:
        fields["country"] = str(country).upper()
    note = ", ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    return replace(result, source="analyst", log=result.log + (f"{analyst} set {note}",),
                   **fields)  # type: ignore[arg-type]


def _as_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
