"""Case work: queue by priority, audited views, workflow, classification, items, tracing,
removal, roles — and the audit chain that proves it all."""

from __future__ import annotations


from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from crowsnest.core.errors import Conflict, Forbidden, InvalidInput
from crowsnest.core.tracing import trace
from crowsnest.db.models_hotline import HotlineAuditRecord, HotlineCase
from crowsnest.services import banks
from crowsnest.services import hotline_audit as audit
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_intake as intake
from crowsnest.services import hotline_items as items

from .hotline_helpers import make_actor, reported_case

PDQ = "f" * 64
MD5 = "0123456789abcdef0123456789abcdef"


def test_queue_is_ordered_by_priority(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    quiet = reported_case(db_session, "https://quiet.example/")
    busy = reported_case(db_session, "https://busy.example/")
    for _ in range(3):
        intake.submit(db_session, {"urls": ["https://busy.example/"]})
    ids = [c["id"] for c in cases.queue(db_session, ana)]
    assert ids.index(busy) < ids.index(quiet)
    row = cases.queue(db_session, ana)[ids.index(busy)]
    assert row["report_count"] == 4 and "4 reports" in row["priority"]["reasons"]
    assert row["url_defanged"] == "hxxps://busy[.]example/"


def test_queue_filters_by_assignee_and_country(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    taken = reported_case(db_session, "https://taken.example/")
    free = reported_case(db_session, "https://free.example/")
    cases.assign(db_session, taken, ana, "ana")
    cases.override_trace(db_session, free, ana, country="fr")
    assert [c["id"] for c in cases.queue(db_session, ana, mine=True)] == [taken]
    assert free in [c["id"] for c in cases.queue(db_session, ana, unassigned=True)]
    assert taken not in [c["id"] for c in cases.queue(db_session, ana, unassigned=True)]
    assert [c["id"] for c in cases.queue(db_session, ana, country="FR")] == [free]
    untraced = [c["id"] for c in cases.queue(db_session, ana, untraced=True)]
    assert taken in untraced and free not in untraced
    assert cases.hosting_countries(db_session)[:1] and "FR" in cases.hosting_countries(db_session)
    assert cases.queue(db_session, ana, check_due=True) == []
    for status in ("in_assessment", "assessed", "actioned"):
        cases.change_status(db_session, free, ana, status)
    cases.schedule_removal_check(db_session, free, ana, timedelta(0))
    due = cases.queue(db_session, ana, check_due=True)
    assert [c["id"] for c in due] == [free] and due[0]["removal_check_due"]
    with pytest.raises(InvalidInput, match="not both"):
        cases.queue(db_session, ana, country="FR", untraced=True)
    with pytest.raises(InvalidInput, match="not both"):
        cases.queue(db_session, ana, mine=True, unassigned=True)
    with pytest.raises(InvalidInput):
        cases.queue(db_session, ana, country="France")


def test_workflow_with_audit_trail(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    case_id = reported_case(db_session)
    view = cases.view(db_session, case_id, ana)
    assert view["status"] == "new" and view["timeline"][-1]["action"] == "case.view"
    cases.change_status(db_session, case_id, ana, "in_assessment")
    cases.classify(db_session, case_id, ana, scheme_name="inhope", value="baseline",
                   content_type="image", age_group="prepubescent")
    done = cases.change_status(db_session, case_id, ana, "assessed")
    assert done["assessed_at"] and done["assignee_id"] == ana.analyst_id
    assert done["classification"] == {"inhope": "baseline"}
    with pytest.raises(Conflict):
        cases.change_status(db_session, case_id, ana, "new")
    actions = [r["action"] for r in audit.timeline(db_session, "case", case_id)]
    assert actions == ["case.view", "case.status", "case.classify", "case.status"]
    assert audit.verify(db_session).ok


def test_closing_and_reopening_needs_the_right_role(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    sue = make_actor(db_session, "sue", "supervisor")
    case_id = reported_case(db_session)
    with pytest.raises(InvalidInput, match="outcome"):
        cases.change_status(db_session, case_id, ana, "closed")
    closed = cases.change_status(db_session, case_id, ana, "closed", "out_of_remit")
    assert closed["outcome"] == "out_of_remit" and closed["public_status"] == "closed"
    with pytest.raises(Forbidden):
        cases.change_status(db_session, case_id, ana, "in_assessment")
    assert cases.change_status(db_session, case_id, sue, "in_assessment")["outcome"] is None
    with pytest.raises(Forbidden):
        cases.assign(db_session, case_id, ana, "sue")
    assert cases.assign(db_session, case_id, sue, "ana")["assignee_id"] == ana.analyst_id


def test_items_with_hashes_go_to_a_bank_in_one_step(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    case_id = reported_case(db_session)
    banks.create_bank(db_session, "hotline-assessed")
    first = items.add_item(db_session, case_id, ana, content_type="image", scheme_name="industry",
                           value="a1", hashes={"pdq": PDQ.upper(), "md5": MD5},
                           bank="hotline-assessed")
    assert first["classification"] == "industry:A1" and first["matches"] == 0
    assert len(first["bank_entry_ids"]) == 2 and first["hashes"]["pdq"] == PDQ
    entry = banks.find_entry(db_session, "hotline-assessed", "md5", MD5)
    assert "industry:A1" in entry.labels and f"hotline-case:{case_id}" in entry.labels
    # the same hash seen again at another URL now matches the bank: priority rises
    other = reported_case(db_session, "https://mirror.example/")
    again = items.add_item(db_session, other, ana, content_type="image", scheme_name="industry",
                           value="A1", hashes={"md5": MD5})
    assert again["matches"] == 1
    assert db_session.get(HotlineCase, other).hash_match_count == 1  # type: ignore[union-attr]
    assert len(cases.view(db_session, case_id, ana)["items"]) == 1


@pytest.mark.parametrize("bad", [
    {"content_type": "audio", "scheme_name": "industry", "value": "A1"},
    {"content_type": "image", "scheme_name": "industry", "value": "Z9"},
    {"content_type": "image", "scheme_name": "nope", "value": "A1"},
    {"content_type": "image", "scheme_name": "uk", "value": "A", "hashes": {"pdq": "xyz"}},
    {"content_type": "image", "scheme_name": "uk", "value": "A", "hashes": {"crc": "00"}},
])
def test_bad_items_change_nothing(db_session: Session, bad: dict) -> None:
    ana = make_actor(db_session, "ana")
    case_id = reported_case(db_session)
    with pytest.raises(InvalidInput):
        items.add_item(db_session, case_id, ana, **bad)
    assert cases.view(db_session, case_id, ana)["items"] == []


def test_tracing_with_injected_resolver_and_override(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    case_id = reported_case(db_session)
    traced = cases.trace_case(db_session, case_id, ana, resolve=True,
                              tracer=lambda host, **kw: trace(
                                  host, resolver=lambda h: ["193.0.6.139"], **kw))
    assert (traced["ip"], traced["hosting_country"]) == ("193.0.6.139", "NL")
    fixed = cases.override_trace(db_session, case_id, ana, country="de",
                                 hosting_provider="Host GmbH")
    assert (fixed["hosting_country"], fixed["hosting_provider"]) == ("DE", "Host GmbH")
    log = cases.view(db_session, case_id, ana)["trace"]["log"]
    assert log[-1] == "ana set country=DE" and any("resolved" in line for line in log)


def test_removal_is_recorded_with_time_to_removal(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    case_id = reported_case(db_session)
    for status in ("in_assessment", "assessed", "actioned", "awaiting_removal"):
        cases.change_status(db_session, case_id, ana, status)
    cases.schedule_removal_check(db_session, case_id, ana, timedelta(0))
    assert [c["id"] for c in cases.removal_checks_due(db_session)] == [case_id]
    case = db_session.get(HotlineCase, case_id)
    assert case is not None
    case.first_reported_at -= timedelta(days=3)  # reported three days ago
    db_session.flush()
    with pytest.raises(InvalidInput, match="future"):
        cases.record_removal(db_session, case_id, ana,
                             removed_at=case.first_reported_at + timedelta(days=4))
    removed = cases.record_removal(db_session, case_id, ana,
                                   removed_at=case.first_reported_at + timedelta(hours=60))
    assert removed["status"] == "removed" and removed["outcome"] == "removed"
    assert removed["hours_to_removal"] == 60.0


def test_tampering_with_the_audit_log_is_detected(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    case_id = reported_case(db_session)
    cases.view(db_session, case_id, ana)
    cases.change_status(db_session, case_id, ana, "in_assessment")
    cases.view(db_session, case_id, ana)
    check = audit.verify(db_session)
    assert check.ok and check.checked >= 3
    first = check.checked - 2
    db_session.execute(update(HotlineAuditRecord).where(HotlineAuditRecord.seq == first)
                       .values(actor="mallory"))
    broken = audit.verify(db_session)
    assert not broken.ok and broken.broken_at == first
