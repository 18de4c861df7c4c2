"""Tracing maps a host to IP, country and network owner without fetching anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.core.tracing import AsnTable, offline_country, override, trace


def fake_resolver(table: dict[str, list[str]]):
    calls: list[str] = []

    def resolve(host: str) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError("Name or service not known")
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.fixture()
def asn_table(tmp_path: Path) -> AsnTable:
    tsv = tmp_path / "ip2asn-combined.tsv"
    tsv.write_text(
        "1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n"
        "8.8.8.0\t8.8.8.255\t15169\tUS\tGOOGLE\n"
        "9.9.9.0\t9.9.9.255\t0\tNone\tNot routed\n"
        "193.0.0.0\t193.0.7.255\t3333\tNL\tRIPE-NCC-AS\n"
        "2001:4860::\t2001:4860:ffff:ffff:ffff:ffff:ffff:ffff\t15169\tUS\tGOOGLE\n"
    )
    return AsnTable.from_tsv(tsv)


def test_offline_country_table_answers_without_network() -> None:
    # Well-known, long-stable allocations: Google's resolver and the RIPE NCC.
    assert offline_country("8.8.8.8") == "US"
    assert offline_country("193.0.6.139") == "NL"
    assert offline_country("127.0.0.1") is None


def test_trace_with_resolution_logs_each_step(asn_table: AsnTable) -> None:
    resolver = fake_resolver({"files.example": ["193.0.6.139", "2001:4860::1"]})
    result = trace("Files.Example", resolve=True, resolver=resolver, asn_table=asn_table)
    assert resolver.calls == ["files.example"]  # type: ignore[attr-defined]
    assert (result.ip, result.country, result.asn, result.network_owner) == (
        "193.0.6.139", "NL", 3333, "RIPE-NCC-AS")
    assert result.ips == ("193.0.6.139", "2001:4860::1")
    assert any("resolved files.example" in line for line in result.log)
    assert result.as_dict()["source"] == "lookup"


def test_no_resolution_unless_asked() -> None:
    resolver = fake_resolver({"files.example": ["8.8.8.8"]})
    result = trace("files.example", resolver=resolver)
    assert resolver.calls == []  # type: ignore[attr-defined]
    assert result.ip is None and result.country is None
    assert "switched off" in result.log[0]


def test_ip_literals_need_no_resolver(asn_table: AsnTable) -> None:
    result = trace("[2001:4860::8888]", asn_table=asn_table)
    assert (result.country, result.asn) == ("US", 15169)
    assert trace("9.9.9.9", asn_table=asn_table).asn is None  # AS 0 rows are skipped


def test_failures_and_private_addresses_are_results_not_errors() -> None:
    failed = trace("nowhere.example", resolve=True, resolver=fake_resolver({}))
    assert failed.ip is None and "failed" in failed.log[-1]
    private = trace("10.1.2.3")
    assert private.ip == "10.1.2.3" and private.country is None
    assert "not a public address" in private.log[-1]
    assert "no ASN table" in trace("8.8.8.8").log[-1]


def test_analyst_override_is_logged_and_validated() -> None:
    result = override(trace("files.example"), analyst="ana", country="de", ip="192.0.2.1")
    assert (result.country, result.ip, result.source) == ("DE", "192.0.2.1", "analyst")
    assert result.log[-1] == "ana set country=DE, ip=192.0.2.1"
    with pytest.raises(InvalidInput):
        override(result, analyst="ana", country="Germany")
    with pytest.raises(InvalidInput):
        override(result, analyst="ana", ip="not-ip")
    with pytest.raises(InvalidInput):
        override(result, analyst="ana", host="x")


def test_malformed_asn_table_and_empty_host(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("1.0.0.0\t1.0.0.255\tX\tUS\tNAME\n")
    with pytest.raises(InvalidInput, match="line 1"):
        AsnTable.from_tsv(bad)
    with pytest.raises(InvalidInput):
        trace("  ")
