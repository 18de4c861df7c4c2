"""Account administration for when staff change: roles, disabling, lock-outs, resets.

Only admins manage accounts. Accounts are never deleted: a disabled account keeps its
row (its name stays meaningful in the audit trail), cannot sign in, and its session
tokens are deleted at once. A change that would leave no active admin is refused; the
rows of the active admins are locked first, so two admins demoting each other at the
same moment cannot both succeed. Each check runs before anything is written: a refused
or invalid request changes nothing.

Every change is appended to the audit log as ``analyst.<action>`` (subject type
``analyst``, subject id the user name) with the acting user and what changed -- never a
password or a TOTP secret. A request that changes nothing (enabling an enabled account)
writes no record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.credentials import (
    LoginState,
    hash_password,
    new_totp_secret,
    totp_uri,
    verify_password,
)
from crowsnest.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import ROLES, HotlineAnalyst
from crowsnest.db.repositories import hotline_people as repo
from crowsnest.services import hotline_audit as audit
from crowsnest.services.hotline_analysts import (
    POLICY,
    Actor,
    analyst_info,
    require,
    token_hash,
)
from crowsnest.services.hotline_tx import writes

SUBJECT = "analyst"


def _target(session: Session, username: str) -> HotlineAnalyst:
    name = (username or "").strip().lower()
    row = repo.analyst_by_name(session, name)
    if row is None:
        raise NotFound(f"no analyst called {name!r}", detail={"username": name})
    return row


def _record(session: Session, actor: Actor, action: str, row: HotlineAnalyst,
            detail: dict[str, Any]) -> None:
    audit.record(session, actor=actor.username, action=f"analyst.{action}",
                 subject_type=SUBJECT, subject_id=row.username, detail=detail)


def _keep_an_admin(session: Session, row: HotlineAnalyst, *, role: str, active: bool) -> None:
    """Refuse if ``row`` is an active admin who would stop being one and is the last."""
    if not (row.active and row.role == "admin") or (active and role == "admin"):
        return
    if all(admin.id == row.id for admin in repo.active_admins(session)):
        raise Conflict(f"{row.username} is the last active admin; make another account "
                       "admin first", detail={"username": row.username})


def list_accounts(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Every account, disabled ones included (admins)."""
    require(actor, "admin")
    return [analyst_info(row) for row in repo.list_analysts(session)]


@writes
def update(session: Session, actor: Actor, username: str, *, role: str | None = None,
           disabled: bool | None = None) -> dict[str, Any]:
    """Change the role and/or disable or enable the account, all or nothing (admins).

    The answer is the account as it is now, with ``changed``: the actions applied
    (``role``, ``disable``, ``enable``; empty if it already was so).
    """
    require(actor, "admin")
    if role is None and disabled is None:
        raise InvalidInput("nothing to change: give a role or disabled")
    if role is not None and role not in ROLES:
        raise InvalidInput(f"unknown role {role!r} (roles: {', '.join(ROLES)})",
                           detail={"role": role, "roles": list(ROLES)})
    row = _target(session, username)
    new_role = row.role if role is None else role
    new_active = row.active if disabled is None else not disabled
    _keep_an_admin(session, row, role=new_role, active=new_active)
    changed: list[str] = []
    if new_role != row.role:
        _record(session, actor, "role", row, {"from": row.role, "to": new_role})
        row.role = new_role
        changed.append("role")
    if new_active != row.active:
        row.active = new_active
        ended = 0 if new_active else repo.delete_sessions_for(session, row.id)
        action = "enable" if new_active else "disable"
        _record(session, actor, action, row, {} if new_active else {"sessions_ended": ended})
        changed.append(action)
    session.flush()
    return {**analyst_info(row), "changed": changed}


def set_role(session: Session, actor: Actor, username: str, role: str) -> dict[str, Any]:
    """Give an account another role (admins); takes effect on its next request."""
    return update(session, actor, username, role=role)


def set_disabled(session: Session, actor: Actor, username: str, disabled: bool) -> dict[str, Any]:
    """Disable (sign-in refused, sessions ended) or re-enable an account (admins)."""
    return update(session, actor, username, disabled=disabled)


@writes
def unlock(session: Session, actor: Actor, username: str) -> dict[str, Any]:
    """Clear the failure count and lift a lock-out (admins)."""
    require(actor, "admin")
    row = _target(session, username)
    changed = bool(row.failures) or row.locked_until is not None
    if changed:
        _record(session, actor, "unlock", row, {
            "failures": row.failures,
            "locked_until": row.locked_until.isoformat() if row.locked_until else None})
        row.failures, row.locked_until = 0, None
        session.flush()
    return {**analyst_info(row), "changed": ["unlock"] if changed else []}


@writes
def reset_password(session: Session, actor: Actor, username: str,
                   new_password: str) -> dict[str, Any]:
    """Set a new password chosen by an admin; ends the account's sessions and lifts any
    lock-out (the failures were against the old password)."""
    require(actor, "admin")
    row = _target(session, username)
    new_hash = hash_password(new_password)  # the policy check: InvalidInput, nothing changed
    unlocked = bool(row.failures) or row.locked_until is not None
    row.password_hash, row.failures, row.locked_until = new_hash, 0, None
    ended = repo.delete_sessions_for(session, row.id)
    _record(session, actor, "password_reset", row,
            {"sessions_ended": ended, "unlocked": unlocked})
    session.flush()
    return {**analyst_info(row), "changed": ["password_reset"], "sessions_ended": ended}


@writes
def reset_totp(session: Session, actor: Actor, username: str, *,
               enrol: bool = False) -> dict[str, Any]:
    """Remove an account's TOTP (a lost phone), or with ``enrol`` replace it by a new
    secret that the answer shows once. Either way the account's sessions end."""
    require(actor, "admin")
    row = _target(session, username)
    had = row.totp_secret is not None
    if not had and not enrol:
        return {**analyst_info(row), "changed": [], "sessions_ended": 0}
    secret = new_totp_secret() if enrol else None
    row.totp_secret, row.totp_last_step = secret, None
    ended = repo.delete_sessions_for(session, row.id)
    _record(session, actor, "totp_reset", row,
            {"had_totp": had, "new_secret_issued": enrol, "sessions_ended": ended})
    session.flush()
    out = {**analyst_info(row), "changed": ["totp_reset"], "sessions_ended": ended}
    if secret:
        out["totp_secret"], out["totp_uri"] = secret, totp_uri(secret, row.username)
    return out


@dataclass(frozen=True)
class PasswordChange:
    """The outcome of :func:`change_own_password`; a refusal must be committed (it counts
    towards the lock-out) before :meth:`raise_if_refused` answers."""

    info: dict[str, Any] | None
    message: str = ""

    def raise_if_refused(self) -> dict[str, Any]:
        if self.info is None:
            raise Forbidden(self.message)
        return self.info


@writes
def change_own_password(session: Session, actor: Actor, current_password: str,
                        new_password: str, *, keep_token: str | None = None,
                        now: datetime | None = None) -> PasswordChange:
    """An analyst changes their own password, proving the current one. A wrong current
    password counts as a failed sign-in. Every other session of theirs ends."""
    new_hash = hash_password(new_password)
    row = repo.analyst(session, actor.analyst_id) if actor.analyst_id is not None else None
    if row is None or not row.active:
        raise Unauthorized("sign in again: this account is unknown or disabled")
    moment = now or utcnow()
    state = LoginState(row.failures, row.locked_until)
    if POLICY.is_locked(state, moment):
        return PasswordChange(None, "this account is locked after repeated failures; try later")
    if not verify_password(row.password_hash, current_password or ""):
        failed = POLICY.failed(state, moment)
        row.failures, row.locked_until = failed.failures, failed.locked_until
        session.flush()
        return PasswordChange(None, "the current password is wrong")
    row.password_hash, row.failures, row.locked_until = new_hash, 0, None
    keep = token_hash(keep_token) if keep_token else None
    ended = repo.delete_sessions_for(session, row.id, keep_token_hash=keep)
    _record(session, actor, "password_change", row, {"sessions_ended": ended})
    session.flush()
    return PasswordChange({**analyst_info(row), "sessions_ended": ended})
