"""Pure helpers of the match service: stable sampling, webhook signing, API keys, SSRF guard."""

from __future__ import annotations

import pytest

from crowsnest.core import apikeys, netguard, sampling, signing
from crowsnest.core.errors import InvalidInput


def test_stable_fraction_is_deterministic_and_in_range() -> None:
    values = [sampling.stable_fraction(f"hash-{i}") for i in range(2000)]
    assert values == [sampling.stable_fraction(f"hash-{i}") for i in range(2000)]
    assert all(0.0 <= v < 1.0 for v in values)
    # uniform enough: a 30 % sample takes close to 30 % of distinct contents
    share = sum(sampling.in_sample(f"hash-{i}", 0.3) for i in range(2000)) / 2000
    assert 0.25 < share < 0.35


def test_in_sample_edges_and_salt() -> None:
    assert sampling.in_sample("x", 1.0) and not sampling.in_sample("x", 0.0)
    assert sampling.stable_fraction("x", salt="a") != sampling.stable_fraction("x", salt="b")


def test_sign_and_verify_round_trip() -> None:
    body = b'{"event":"match"}'
    headers = signing.sign("s3cret", body, timestamp=1_700_000_000)
    assert signing.verify("s3cret", body, headers, now=1_700_000_010) == 1_700_000_000


@pytest.mark.parametrize(
    "secret,body,now",
    [("wrong", b"{}", 1_700_000_000), ("s3cret", b"{ }", 1_700_000_000),
     ("s3cret", b"{}", 1_700_000_000 + 301)],
)
def test_verify_refuses_wrong_secret_body_or_stale(secret: str, body: bytes, now: int) -> None:
    headers = signing.sign("s3cret", b"{}", timestamp=1_700_000_000)
    with pytest.raises(signing.InvalidSignature):
        signing.verify(secret, body, headers, now=now)


def test_verify_refuses_missing_headers() -> None:
    with pytest.raises(signing.InvalidSignature):
        signing.verify("s", b"", {})


def test_api_key_generation_and_matching() -> None:
    key = apikeys.generate()
    assert apikeys.parse_key_id(key.plaintext) == key.key_id
    assert apikeys.matches(key.plaintext, key.digest)
    assert not apikeys.matches(key.plaintext + "x", key.digest)
    assert key.plaintext not in key.digest and len(key.digest) == 64
    assert apikeys.generate().plaintext != key.plaintext
    assert apikeys.parse_key_id("Bearer nonsense") is None


def test_scopes() -> None:
    assert apikeys.grants(["admin"], "curate") and apikeys.grants(["curate"], "match")
    assert not apikeys.grants(["match"], "curate")
    assert apikeys.normalise_scopes(["match", "match", "admin"]) == ["admin", "match"]
    with pytest.raises(InvalidInput):
        apikeys.normalise_scopes(["root"])
    with pytest.raises(InvalidInput):
        apikeys.normalise_scopes([])


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
     "224.0.0.1", "100.64.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "240.0.0.1"],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not netguard.is_public_address(address)
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url("http://example.test/x.png", resolver=lambda h, p: [address])


def test_public_address_is_pinned() -> None:
    target = netguard.check_url("https://example.test:8443/a.jpg", resolver=lambda h, p: ["93.184.216.34"])
    assert (target.host, target.port, target.ip, target.scheme) == ("example.test", 8443, "93.184.216.34", "https")


def test_any_private_answer_refuses_the_host() -> None:
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url("http://rebind.test/", resolver=lambda h, p: ["93.184.216.34", "10.0.0.1"])


@pytest.mark.parametrize("url", ["ftp://example.test/x", "file:///etc/passwd", "http://", "http://u:p@example.test/",
                                 "http://example.test:99999/"])
def test_malformed_or_foreign_urls_are_refused(url: str) -> None:
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url(url, resolver=lambda h, p: ["93.184.216.34"])


def test_literal_loopback_is_refused_with_the_real_resolver() -> None:
    with pytest.raises(netguard.UnsafeURL):
        netguard.check_url("http://127.0.0.1:5432/")
