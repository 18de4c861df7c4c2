"""Account administration: roles, disable/enable, unlock, password and TOTP resets, the
last-admin rule and the audit trail of every change."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from crowsnest.db.engine import unit_of_work
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineAnalyst, HotlineAuditRecord, HotlineSession
from crowsnest.services import hotline_accounts as accounts
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_audit as audit

from .hotline_helpers import PASSWORD, make_actor

NEW_PASSWORD = "another long passphrase"


def _token(session: Session, username: str, password: str = PASSWORD) -> str:
    result = analysts.authenticate(session, username, password, issue_token=True)
    result.raise_if_refused()
    assert result.token
    return result.token


def _records(session: Session, username: str) -> list[dict]:  # type: ignore[type-arg]
    return audit.timeline(session, "analyst", username)


def _audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(HotlineAuditRecord)) or 0


def _row(session: Session, username: str) -> HotlineAnalyst:
    row = session.scalars(select(HotlineAnalyst).where(HotlineAnalyst.username == username)).one()
    session.refresh(row)
    return row


def test_only_admins_manage_accounts(db_session: Session) -> None:
    make_actor(db_session, "ana")
    sue = make_actor(db_session, "sue", "supervisor")
    before = _audit_count(db_session)
    for call in (lambda: accounts.set_role(db_session, sue, "ana", "admin"),
                 lambda: accounts.set_disabled(db_session, sue, "ana", True),
                 lambda: accounts.unlock(db_session, sue, "ana"),
                 lambda: accounts.reset_password(db_session, sue, "ana", NEW_PASSWORD),
                 lambda: accounts.reset_totp(db_session, sue, "ana"),
                 lambda: accounts.list_accounts(db_session, sue)):
        with pytest.raises(Forbidden, match="admin role"):
            call()
    with pytest.raises(Forbidden):
        analysts.create_analyst(db_session, "eve", PASSWORD, actor=sue)
    assert _row(db_session, "ana").role == "analyst" and _row(db_session, "ana").active
    assert _audit_count(db_session) == before


def test_change_role_takes_effect_on_the_next_request(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    make_actor(db_session, "ana")
    token = _token(db_session, "ana")
    out = accounts.set_role(db_session, boss, "ANA", "supervisor")
    assert out["role"] == "supervisor" and out["changed"] == ["role"]
    assert analysts.actor_for_token(db_session, token).role == "supervisor"
    assert accounts.set_role(db_session, boss, "ana", "supervisor")["changed"] == []
    [record] = _records(db_session, "ana")
    assert record["actor"] == "boss" and record["action"] == "analyst.role"
    assert record["detail"] == {"from": "analyst", "to": "supervisor"}


def test_bad_input_and_unknown_names_change_nothing(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    make_actor(db_session, "ana")
    before = _audit_count(db_session)
    with pytest.raises(InvalidInput, match="unknown role"):
        accounts.update(db_session, boss, "ana", role="god", disabled=True)
    with pytest.raises(InvalidInput, match="nothing to change"):
        accounts.update(db_session, boss, "ana")
    with pytest.raises(NotFound, match="no analyst called 'ghost'"):
        accounts.set_disabled(db_session, boss, "ghost", True)
    for call in (accounts.unlock, accounts.reset_totp):
        with pytest.raises(NotFound):
            call(db_session, boss, "ghost")
    with pytest.raises(InvalidInput, match="at least"):
        accounts.reset_password(db_session, boss, "ana", "short")
    row = _row(db_session, "ana")
    assert row.active and row.role == "analyst"
    assert analysts.authenticate(db_session, "ana", PASSWORD).actor is not None
    assert _audit_count(db_session) == before


def test_disable_ends_sessions_and_sign_in_and_enable_restores(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    make_actor(db_session, "ana")
    tokens = [_token(db_session, "ana"), _token(db_session, "ana")]
    out = accounts.set_disabled(db_session, boss, "ana", True)
    assert out["active"] is False and out["disabled"] is True and out["changed"] == ["disable"]
    for token in tokens:
        with pytest.raises(Unauthorized):
            analysts.actor_for_token(db_session, token)
    assert db_session.scalar(select(func.count()).select_from(HotlineSession).where(
        HotlineSession.analyst_id == out["id"])) == 0
    refused = analysts.authenticate(db_session, "ana", PASSWORD)
    assert refused.actor is None
    assert "ana" in [row["username"] for row in accounts.list_accounts(db_session, boss)]
    assert accounts.set_disabled(db_session, boss, "ana", True)["changed"] == []
    assert accounts.set_disabled(db_session, boss, "ana", False)["changed"] == ["enable"]
    assert analysts.authenticate(db_session, "ana", PASSWORD).actor is not None
    actions = [(r["action"], r["detail"]) for r in _records(db_session, "ana")]
    assert actions == [("analyst.disable", {"sessions_ended": 2}), ("analyst.enable", {})]


def test_the_last_active_admin_stays(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    before = _audit_count(db_session)
    with pytest.raises(Conflict, match="last active admin"):
        accounts.set_disabled(db_session, boss, "boss", True)
    with pytest.raises(Conflict, match="last active admin"):
        accounts.set_role(db_session, boss, "boss", "supervisor")
    with pytest.raises(Conflict):  # both at once: refused as a whole
        accounts.update(db_session, boss, "boss", role="admin", disabled=True)
    row = _row(db_session, "boss")
    assert row.role == "admin" and row.active and _audit_count(db_session) == before
    # a disabled admin does not count as one that stays
    make_actor(db_session, "old", "admin")
    accounts.set_disabled(db_session, boss, "old", True)
    with pytest.raises(Conflict):
        accounts.set_role(db_session, boss, "boss", "analyst")
    # with a second active admin, demoting oneself is allowed
    accounts.set_disabled(db_session, boss, "old", False)
    assert accounts.set_role(db_session, boss, "boss", "analyst")["role"] == "analyst"
    old = analysts.Actor("old", "admin", _row(db_session, "old").id)
    with pytest.raises(Conflict):
        accounts.set_disabled(db_session, old, "old", True)


def test_unlock_lifts_a_lockout(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    make_actor(db_session, "bob")
    assert accounts.unlock(db_session, boss, "bob")["changed"] == []
    for _ in range(analysts.POLICY.max_failures):
        analysts.authenticate(db_session, "bob", "wrong password!!")
    assert analysts.authenticate(db_session, "bob", PASSWORD).actor is None
    out = accounts.unlock(db_session, boss, "bob")
    assert out["changed"] == ["unlock"] and out["locked_until"] is None
    assert analysts.authenticate(db_session, "bob", PASSWORD).actor is not None
    [record] = _records(db_session, "bob")
    assert record["action"] == "analyst.unlock"
    assert record["detail"]["failures"] == analysts.POLICY.max_failures


def test_reset_password_ends_sessions_and_never_logs_it(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    make_actor(db_session, "ana")
    token = _token(db_session, "ana")
    out = accounts.reset_password(db_session, boss, "ana", NEW_PASSWORD)
    assert out["sessions_ended"] == 1 and "password_hash" not in out
    with pytest.raises(Unauthorized):
        analysts.actor_for_token(db_session, token)
    assert analysts.authenticate(db_session, "ana", PASSWORD).actor is None
    assert analysts.authenticate(db_session, "ana", NEW_PASSWORD).actor is not None
    [record] = _records(db_session, "ana")
    assert record["action"] == "analyst.password_reset" and record["actor"] == "boss"
    exported = str(list(audit.export(db_session)))
    assert NEW_PASSWORD not in exported and _row(db_session, "ana").password_hash not in exported
    assert audit.verify(db_session).ok


def test_reset_totp_lets_a_lost_phone_enrol_again(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    info = analysts.create_analyst(db_session, "tom", PASSWORD, with_totp=True)
    assert analysts.authenticate(db_session, "tom", PASSWORD).actor is None
    out = accounts.reset_totp(db_session, boss, "tom")
    assert out["totp"] is False and "totp_secret" not in out
    assert analysts.authenticate(db_session, "tom", PASSWORD).actor is not None
    enrolled = accounts.reset_totp(db_session, boss, "tom", enrol=True)
    secret = enrolled["totp_secret"]
    assert enrolled["totp"] is True and secret != info["totp_secret"]
    assert enrolled["totp_uri"].startswith("otpauth://")
    now = utcnow()
    assert analysts.authenticate(db_session, "tom", PASSWORD, now=now).actor is None
    code = pyotp.TOTP(secret).at(now)
    assert analysts.authenticate(db_session, "tom", PASSWORD, code, now=now).actor is not None
    records = _records(db_session, "tom")
    assert [r["detail"]["new_secret_issued"] for r in records] == [False, True]
    assert secret not in str(list(audit.export(db_session)))


def test_change_own_password(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    keep, other = _token(db_session, "ana"), _token(db_session, "ana")
    with pytest.raises(InvalidInput):
        accounts.change_own_password(db_session, ana, PASSWORD, "short")
    wrong = accounts.change_own_password(db_session, ana, "not my password", NEW_PASSWORD)
    with pytest.raises(Forbidden, match="current password"):
        wrong.raise_if_refused()
    assert _row(db_session, "ana").failures == 1  # counts towards the lock-out
    done = accounts.change_own_password(db_session, ana, PASSWORD, NEW_PASSWORD, keep_token=keep)
    assert done.raise_if_refused()["sessions_ended"] == 1
    assert analysts.actor_for_token(db_session, keep).username == "ana"
    with pytest.raises(Unauthorized):
        analysts.actor_for_token(db_session, other)
    assert analysts.authenticate(db_session, "ana", NEW_PASSWORD).actor is not None
    assert [r["action"] for r in _records(db_session, "ana")] == ["analyst.password_change"]


def test_a_locked_account_cannot_change_its_password(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    now = utcnow()
    for _ in range(analysts.POLICY.max_failures):
        accounts.change_own_password(db_session, ana, "wrong password!!", NEW_PASSWORD, now=now)
    locked = accounts.change_own_password(db_session, ana, PASSWORD, NEW_PASSWORD,
                                          now=now + timedelta(seconds=1))
    assert locked.info is None and "locked" in locked.message


def test_creation_by_an_admin_is_audited(db_session: Session) -> None:
    boss = make_actor(db_session, "boss", "admin")
    analysts.create_analyst(db_session, "new", PASSWORD, role="supervisor", actor=boss)
    [record] = _records(db_session, "new")
    assert record["action"] == "analyst.create" and record["actor"] == "boss"
    assert record["detail"] == {"role": "supervisor", "totp": False}


def test_two_admins_demoting_each_other_at_once_leave_one(
        fresh_factory: sessionmaker[Session]) -> None:
    with unit_of_work(fresh_factory) as session:
        one = make_actor(session, "one", "admin")
        two = make_actor(session, "two", "admin")
    flushed = threading.Event()

    def first() -> None:  # demotes "two" and holds its transaction open for a moment
        with unit_of_work(fresh_factory) as session:
            accounts.set_role(session, one, "two", "analyst")
            flushed.set()
            time.sleep(0.5)

    thread = threading.Thread(target=first)
    thread.start()
    assert flushed.wait(10)
    try:
        with pytest.raises(Conflict, match="last active admin"):
            with unit_of_work(fresh_factory) as session:  # waits for the first to commit
                accounts.set_role(session, two, "one", "analyst")
    finally:
        thread.join()
    with unit_of_work(fresh_factory) as session:
        roles = {a["username"]: a["role"] for a in accounts.list_accounts(session, one)}
    assert roles == {"one": "admin", "two": "analyst"}
