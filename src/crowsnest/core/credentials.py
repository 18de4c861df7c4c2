"""Analyst credentials: argon2 password hashes, optional TOTP, lock-out after failures.

Pure logic over plain values; the service stores the results. Passwords are hashed with
argon2id (``argon2-cffi``, its recommended parameters); a hash made with older parameters
is reported by :func:`needs_rehash` so it can be upgraded at the next login. TOTP
(RFC 6238, ``pyotp``) accepts one step of clock drift either way and refuses a code from a
step already used, so a seen code cannot be replayed. :class:`LockoutPolicy` locks an
account for a while after repeated failures; a login while locked fails without even
checking the password, so guessing cannot go on during the lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from crowsnest.core.errors import InvalidInput

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
TOTP_STEP = 30
_HASHER = PasswordHasher()


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short, too long or all one character."""
    if not isinstance(password, str):
        raise InvalidInput("a password must be text")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")
    if len(set(password)) < 4:
        raise InvalidInput("a password needs more than three different characters")


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the policy."""
    check_password_policy(password)
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch or an unreadable hash."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def new_totp_secret() -> str:
    """A random base-32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, account: str, issuer: str = "crowsnest") -> str:
    """The ``otpauth://`` URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def verify_totp(secret: str, code: str, at: datetime, last_used_step: int | None = None
                ) -> int | None:
    """The time step of a valid, unused ``code`` at ``at``, or None.

    Store the returned step and pass it next time as ``last_used_step``.
    """
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(at.timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if last_used_step is not None and step <= last_used_step:
            continue
        if pyotp.utils.strings_equal(totp.at(step * TOTP_STEP), code):
            return step
    return None


@dataclass(frozen=True)
class LoginState:
    """What lock-out needs to remember about one account."""

    failures: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` in a row lock the account for ``lock_for``; each later lock doubles,
    up to ``max_lock``."""

    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    max_lock: timedelta = timedelta(hours=24)

    def is_locked(self, state: LoginState, now: datetime) -> bool:
        return state.locked_until is not None and now < state.locked_until

    def failed(self, state: LoginState, now: datetime) -> LoginState:
        failures = state.failures + 1
        if failures < self.max_failures:
            return replace(state, failures=failures)
        rounds = failures - self.max_failures
        duration = min(self.max_lock, self.lock_for * (2 ** min(rounds, 20)))
        return LoginState(failures, now + duration)

    def succeeded(self, state: LoginState) -> LoginState:
        return LoginState()
