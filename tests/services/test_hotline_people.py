"""Analyst accounts (argon2, TOTP, lock-out that survives the refused request) and stats."""

from __future__ import annotations

import pytest

pytest.importorskip("crowsnest.db.models", reason="needs the storage layer (store branch)")

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy.orm import Session

from crowsnest.core.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineCase
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_stats as stats

from .hotline_helpers import PASSWORD, make_actor, reported_case


def test_create_and_sign_in_with_token(db_session: Session) -> None:
    info = analysts.create_analyst(db_session, "Ana", PASSWORD, role="supervisor")
    assert info["username"] == "ana" and "password_hash" not in info
    result = analysts.authenticate(db_session, "ana", PASSWORD, issue_token=True)
    actor = result.raise_if_refused()
    assert (actor.username, actor.role) == ("ana", "supervisor")
    assert analysts.actor_for_token(db_session, result.token or "") == actor
    analysts.sign_out(db_session, result.token or "")
    with pytest.raises(Unauthorized):
        analysts.actor_for_token(db_session, result.token or "")
    with pytest.raises(Conflict):
        analysts.create_analyst(db_session, "ana", PASSWORD)
    for bad in ({"username": "x"}, {"role": "god"}, {"password": "short"}):
        args = {"username": "bob", "password": PASSWORD, "role": "analyst", **bad}
        with pytest.raises(InvalidInput):
            analysts.create_analyst(db_session, args["username"], args["password"],
                                    role=args["role"])


def test_lockout_counts_failures_and_blocks_even_the_right_password(db_session: Session) -> None:
    analysts.create_analyst(db_session, "bob", PASSWORD)
    now = utcnow()
    for _ in range(analysts.POLICY.max_failures):
        assert analysts.authenticate(db_session, "bob", "wrong password!!", now=now).actor is None
    locked = analysts.authenticate(db_session, "bob", PASSWORD, now=now)
    assert locked.actor is None and "locked" in locked.message
    later = analysts.authenticate(db_session, "bob", PASSWORD, now=now + timedelta(hours=1))
    assert later.actor is not None
    assert analysts.authenticate(db_session, "nobody", PASSWORD).actor is None


def test_totp_second_factor(db_session: Session) -> None:
    info = analysts.create_analyst(db_session, "tom", PASSWORD, with_totp=True)
    assert info["totp_uri"].startswith("otpauth://")
    now = utcnow()
    assert analysts.authenticate(db_session, "tom", PASSWORD, now=now).actor is None
    code = pyotp.TOTP(info["totp_secret"]).at(now)
    assert analysts.authenticate(db_session, "tom", PASSWORD, code, now=now).actor is not None
    assert analysts.authenticate(db_session, "tom", PASSWORD, code, now=now).actor is None  # replay


def test_roles_are_enforced(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    with pytest.raises(Forbidden):
        analysts.require(ana, "admin")
    analysts.require(ana, "analyst")


def test_statistics(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    now = utcnow()
    for index, hours in enumerate((10, 20, 30)):
        case_id = reported_case(db_session, f"https://s{index}.example/")
        case = db_session.get(HotlineCase, case_id)
        assert case is not None
        case.first_reported_at = now - timedelta(hours=hours)
        cases.change_status(db_session, case_id, ana, "in_assessment")
        cases.classify(db_session, case_id, ana, scheme_name="uk", value="B")
        cases.override_trace(db_session, case_id, ana, country="NL")
        cases.change_status(db_session, case_id, ana, "assessed")
    figures = stats.compute(db_session)
    assert figures["by_status"]["assessed"] >= 3 and figures["by_classification"]["uk:B"] >= 3
    assessment = figures["hours_to_assessment"]
    assert assessment["count"] >= 3 and assessment["median"] is not None
    text = stats.to_csv(figures)
    assert text.startswith("metric,key,value\n") and "by_hosting_country,NL," in text
