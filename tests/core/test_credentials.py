"""Passwords, TOTP and lock-out behave as a login needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from crowsnest.core.credentials import (
    LockoutPolicy,
    LoginState,
    check_password_policy,
    hash_password,
    needs_rehash,
    new_totp_secret,
    totp_uri,
    verify_password,
    verify_totp,
)
from crowsnest.core.errors import InvalidInput

T = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)


def test_password_hash_round_trip() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterz")
    assert not verify_password("not-a-hash", "correct horse battery")
    assert not verify_password(stored, "x" * 2000)
    assert not needs_rehash(stored)
    assert hash_password("correct horse battery") != stored  # salted


@pytest.mark.parametrize("bad", ["short", "a" * 20, "ab" * 10, "x" * 1025, None])
def test_password_policy(bad: object) -> None:
    with pytest.raises(InvalidInput):
        check_password_policy(bad)  # type: ignore[arg-type]


def test_totp_accepts_current_and_adjacent_steps_once() -> None:
    secret = new_totp_secret()
    totp = pyotp.TOTP(secret)
    step = verify_totp(secret, totp.at(T), T)
    assert step == int(T.timestamp()) // 30
    assert verify_totp(secret, totp.at(T), T, last_used_step=step) is None  # no replay
    later = T + timedelta(seconds=30)
    assert verify_totp(secret, totp.at(T), later) == step  # one step of drift is fine
    assert verify_totp(secret, totp.at(T), T + timedelta(minutes=5)) is None
    assert verify_totp(secret, "12345", T) is None and verify_totp(secret, "abcdef", T) is None
    assert totp_uri(secret, "ana@hotline").startswith("otpauth://totp/crowsnest:ana%40hotline")


def test_lockout_after_repeated_failures_and_growing_locks() -> None:
    policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=10))
    state = LoginState()
    for _ in range(2):
        state = policy.failed(state, T)
        assert not policy.is_locked(state, T)
    state = policy.failed(state, T)
    assert policy.is_locked(state, T + timedelta(minutes=9))
    assert not policy.is_locked(state, T + timedelta(minutes=10))
    again = policy.failed(state, T + timedelta(minutes=11))
    assert again.locked_until == T + timedelta(minutes=31)  # the second lock is twice as long
    assert policy.succeeded(again) == LoginState()
    many = LoginState(failures=100)
    assert policy.failed(many, T).locked_until == T + policy.max_lock
