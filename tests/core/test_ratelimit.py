"""Rate limiting by keyed hash: limits hold, raw addresses never appear, keys expire."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput, RateLimited
from crowsnest.core.ratelimit import (
    ClientKeyer,
    DerivedSecrets,
    MemoryBucketStore,
    RandomRotatingSecrets,
    RateLimiter,
    client_network,
)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_capacity_then_refuses_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 0.5, clock=clock, keyer=ClientKeyer(clock=clock))
    assert [limiter.check("203.0.113.9").allowed for _ in range(4)] == [True, True, True, False]
    with pytest.raises(RateLimited) as caught:
        limiter.hit("203.0.113.9")
    assert caught.value.http_status == 429
    assert caught.value.retry_after == pytest.approx(2.0)
    assert limiter.check("198.51.100.7").allowed  # another client is not affected
    clock.now += 2.0
    assert limiter.check("203.0.113.9").allowed
    assert not limiter.check("203.0.113.9").allowed


def test_store_never_holds_the_raw_address() -> None:
    store = MemoryBucketStore()
    limiter = RateLimiter(5, 1, store=store)
    limiter.check("203.0.113.9")
    limiter.check("2001:db8::1")
    keys = list(store._buckets)
    assert len(keys) == 2
    assert all("203" not in k and "2001" not in k and len(k) == 32 for k in keys)


def test_ipv6_clients_are_keyed_by_their_64_prefix() -> None:
    assert client_network("2001:db8:1:2:aaaa::1") == client_network("[2001:db8:1:2:bbbb::9]")
    assert client_network("::ffff:203.0.113.9") == "203.0.113.9"
    keyer = ClientKeyer()
    assert keyer.key("2001:db8:1:2::1") == keyer.key("2001:db8:1:2::ffff")
    assert keyer.key("2001:db8:1:3::1") != keyer.key("2001:db8:1:2::1")
    assert client_network("testclient") == "name:testclient"  # not an IP: keyed on the text
    for missing in ("", "  ", None):
        with pytest.raises(InvalidInput):
            client_network(missing)  # type: ignore[arg-type]


def test_keys_change_when_the_secret_rotates() -> None:
    clock = Clock(0.0)
    keyer = ClientKeyer(RandomRotatingSecrets(), rotation_seconds=3600, clock=clock)
    first = keyer.key("203.0.113.9")
    clock.now = 3599
    assert keyer.key("203.0.113.9") == first
    clock.now = 3600
    assert keyer.key("203.0.113.9") != first


def test_random_secrets_forget_old_periods() -> None:
    source = RandomRotatingSecrets()
    first = source.secret_for(1)
    source.secret_for(2)
    source.secret_for(3)
    assert source.secret_for(1) != first  # period 1 was forgotten: a new random secret


def test_derived_secrets_agree_across_replicas() -> None:
    a, b = DerivedSecrets(b"m" * 32), DerivedSecrets(b"m" * 32)
    assert ClientKeyer(a).key("203.0.113.9") == ClientKeyer(b).key("203.0.113.9")
    assert DerivedSecrets(b"x" * 32).secret_for(1) != a.secret_for(1)
    with pytest.raises(InvalidInput):
        DerivedSecrets(b"short")


def test_idle_keys_are_forgotten_after_retention() -> None:
    clock = Clock()
    store = MemoryBucketStore()
    limiter = RateLimiter(2, 1, store=store, retention_seconds=3600, clock=clock)
    limiter.check("203.0.113.9")
    clock.now += 1800
    limiter.check("198.51.100.7")
    assert len(store) == 2
    clock.now += 1801  # the first key is now idle for longer than the retention
    limiter.check("198.51.100.7")
    assert len(store) == 1


def test_refused_request_stores_nothing_and_clock_skew_does_not_mint_tokens() -> None:
    clock = Clock()
    store = MemoryBucketStore()
    limiter = RateLimiter(1, 0.1, store=store, clock=clock, keyer=ClientKeyer(clock=clock))
    assert limiter.check("203.0.113.9").allowed
    (before,) = store._buckets.values()
    refused = limiter.check("203.0.113.9")
    assert not refused.allowed and refused.retry_after == pytest.approx(10.0)
    assert list(store._buckets.values()) == [before]  # the refusal wrote nothing
    clock.now -= 50  # a replica whose clock is behind must not be handed tokens
    assert not limiter.check("203.0.113.9").allowed


def test_retention_is_never_shorter_than_a_refill() -> None:
    assert RateLimiter(20, 0.1, retention_seconds=60).retention == pytest.approx(200)
    assert RateLimiter(20, 0.1, retention_seconds=3600).retention == 3600


def test_derived_secrets_are_stable_per_period_and_differ_across_periods() -> None:
    master = b"an operator secret of enough length"
    assert DerivedSecrets(master).secret_for(7) == DerivedSecrets(master).secret_for(7)
    assert DerivedSecrets(master).secret_for(7) != DerivedSecrets(master).secret_for(8)
    clock = Clock(0.0)
    one = ClientKeyer(DerivedSecrets(master), rotation_seconds=3600, clock=clock)
    two = ClientKeyer(DerivedSecrets(master), rotation_seconds=3600, clock=clock)
    first = one.key("203.0.113.9")
    assert two.key("203.0.113.9") == first
    clock.now = 3600
    assert one.key("203.0.113.9") != first and one.key("203.0.113.9") == two.key("203.0.113.9")


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(InvalidInput):
        RateLimiter(0, 1)
    with pytest.raises(InvalidInput):
        ClientKeyer(rotation_seconds=0)
    with pytest.raises(InvalidInput):
        RateLimiter(1, 1, retention_seconds=0)
