"""Analyst accounts, sign-in (password, optional TOTP, lock-out) and roles.

Roles are ordered: ``analyst`` < ``supervisor`` < ``admin``; :func:`require` refuses an
actor below the role an action needs. :func:`authenticate` never raises for bad
credentials: it returns a :class:`LoginResult` so the caller can *commit* the failure
count (a lock-out that rolled back with the refused request would protect nothing) and
then answer 401.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.credentials import (
    LockoutPolicy,
    LoginState,
    hash_password,
    needs_rehash,
    new_totp_secret,
    totp_uri,
    verify_password,
    verify_totp,
)
from crowsnest.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import ROLES, HotlineAnalyst, HotlineSession
from crowsnest.db.repositories import hotline_people as repo
from crowsnest.services import hotline_audit as audit
from crowsnest.services.hotline_tx import writes

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
SESSION_TTL = timedelta(hours=8)
POLICY = LockoutPolicy()


@dataclass(frozen=True)
class Actor:
    """Who is acting: an analyst's user name and role (or a system actor)."""

    username: str
    role: str
    analyst_id: int | None = None


SYSTEM = Actor("system", "admin")


def has_role(actor: Actor, role: str) -> bool:
    """Whether ``actor``'s role is at least ``role`` (roles are ordered)."""
    return ROLES.index(actor.role) >= ROLES.index(role)


def require(actor: Actor, role: str) -> None:
    """Refuse ``actor`` unless its role is at least ``role``."""
    if not has_role(actor, role):
        raise Forbidden(f"this needs the {role} role; {actor.username} is {actor.role}")


@dataclass(frozen=True)
class LoginResult:
    actor: Actor | None
    message: str = ""
    token: str | None = None

    def raise_if_refused(self) -> Actor:
        if self.actor is None:
            raise Unauthorized(self.message)
        return self.actor


def analyst_info(row: HotlineAnalyst) -> dict[str, Any]:
    return {"id": row.id, "username": row.username, "display_name": row.display_name,
            "role": row.role, "totp": row.totp_secret is not None, "active": row.active,
            "disabled": not row.active,
            "locked_until": row.locked_until.isoformat() if row.locked_until else None,
            "last_login_at": row.last_login_at.isoformat() if row.last_login_at else None}


@writes
def create_analyst(session: Session, username: str, password: str, *, role: str = "analyst",
                   display_name: str = "", with_totp: bool = False,
                   actor: Actor | None = None) -> dict[str, Any]:
    """Create an account; the TOTP secret and URI are in the answer once, if asked for.

    With ``actor`` (who must be an admin) the creation is recorded in the audit log.
    """
    if actor is not None:
        require(actor, "admin")
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput("a user name is 2-100 characters: letters, digits, . _ @ -")
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    secret = new_totp_secret() if with_totp else None
    row = repo.add_analyst(session, HotlineAnalyst(
        username=name, display_name=display_name[:200], role=role,
        password_hash=hash_password(password), totp_secret=secret, failures=0, active=True))
    if row is None:
        raise Conflict(f"an analyst called {name!r} exists already")
    if actor is not None:
        audit.record(session, actor=actor.username, action="analyst.create",
                     subject_type="analyst", subject_id=name,
                     detail={"role": role, "totp": secret is not None})
    out = analyst_info(row)
    if secret:
        out["totp_secret"], out["totp_uri"] = secret, totp_uri(secret, name)
    return out


@writes
def authenticate(session: Session, username: str, password: str, totp_code: str | None = None,
                 *, now: datetime | None = None, issue_token: bool = False) -> LoginResult:
    """Check credentials and update the lock-out state (flush only; commit even on refusal)."""
    moment = now or utcnow()
    row = repo.analyst_by_name(session, (username or "").strip().lower())
    if row is None or not row.active:
        verify_password(_DUMMY_HASH, password or "")  # same work as a real check: no user probing
        return LoginResult(None, "wrong user name or password")
    state = LoginState(row.failures, row.locked_until)
    if POLICY.is_locked(state, moment):
        return LoginResult(None, "this account is locked after repeated failures; try later")
    ok = verify_password(row.password_hash, password or "")
    step = None
    if ok and row.totp_secret:
        step = verify_totp(row.totp_secret, totp_code or "", moment, row.totp_last_step)
        ok = step is not None
    if not ok:
        failed = POLICY.failed(state, moment)
        row.failures, row.locked_until = failed.failures, failed.locked_until
        session.flush()
        return LoginResult(None, "wrong user name, password or one-time code")
    row.failures, row.locked_until, row.last_login_at = 0, None, moment
    if step is not None:
        row.totp_last_step = step
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
    token = _issue(session, row.id, moment) if issue_token else None
    session.flush()
    return LoginResult(Actor(row.username, row.role, row.id), token=token)


def _issue(session: Session, analyst_id: int, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    repo.add_session(session, HotlineSession(token_hash=token_hash(token), analyst_id=analyst_id,
                                             created_at=now, expires_at=now + SESSION_TTL))
    return token


def token_hash(token: str) -> str:
    """How a session token is stored (SHA-256 hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for_token(session: Session, token: str, *, now: datetime | None = None) -> Actor:
    """The analyst a bearer token belongs to; Unauthorized if unknown or expired."""
    record = repo.get_session(session, token_hash(token or ""))
    if record is None or record.expires_at <= (now or utcnow()):
        raise Unauthorized("sign in again: the session is unknown or expired")
    row = repo.analyst(session, record.analyst_id)
    if row is None or not row.active:
        raise Unauthorized("this account is disabled")
    return Actor(row.username, row.role, row.id)


def sign_out(session: Session, token: str) -> None:
    repo.delete_session(session, token_hash(token or ""))


def list_analysts(session: Session) -> list[dict[str, Any]]:
    return [analyst_info(row) for row in repo.list_analysts(session)]


def get_analyst(session: Session, username: str) -> HotlineAnalyst:
    row = repo.analyst_by_name(session, username)
    if row is None:
        raise NotFound(f"no analyst called {username!r}")
    return row


_DUMMY_HASH = hash_password("placeholder-password-for-timing")
