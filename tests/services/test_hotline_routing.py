"""Routing an assessed case sends each message once through the outbox; a peer receives a
signed forward once and refuses replays."""

from __future__ import annotations

import pytest

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowsnest.config import Settings
from crowsnest.core.errors import Conflict, InvalidForward, InvalidInput
from crowsnest.core.forward_signing import sign
from crowsnest.db.models_hotline import HotlineCase, HotlineInbound
from crowsnest.db.models_service import OutboxMessage
from crowsnest.destinations.base import Delivery
from crowsnest.destinations.crowsnest import forward_body
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_inbound as inbound
from crowsnest.services import hotline_routing as routing

from .hotline_helpers import make_actor, reported_case

SECRET = "shared-secret-between-nl-and-de"
SETTINGS = Settings(
    hotline_own_country="NL", hotline_name="Hotline NL", hotline_email="hotline@nl.example",
    hotline_contacts={
        "police:NL": {"name": "Police NL", "destination": "email",
                      "target": {"to": ["referrals@police.nl.example"]}},
        "hotline:DE": {"name": "Hotline DE", "destination": "crowsnest",
                       "target": {"url": "https://de.example/v1/hotline/forwards",
                                  "key_id": "nl-to-de"}},
    })


def assessed_case(session: Session, country: str, url: str = "https://files.example/v/1") -> int:
    ana = make_actor(session, f"ana-{country.lower()}")
    case_id = reported_case(session, url)
    cases.change_status(session, case_id, ana, "in_assessment")
    cases.classify(session, case_id, ana, scheme_name="inhope", value="baseline")
    cases.override_trace(session, case_id, ana, country=country, ip="192.0.2.10")
    cases.change_status(session, case_id, ana, "assessed")
    return case_id


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_own_country_goes_to_police_and_provider(db_session: Session) -> None:
    case_id = assessed_case(db_session, "NL")
    ana = make_actor(db_session, "router")
    result = routing.route_case(db_session, case_id, ana, settings=SETTINGS,
                                provider={"name": "Host BV", "email": "abuse@host.example"})
    assert [m["role"] for m in result["messages"]] == ["police", "hosting_provider"]
    assert result["case"]["status"] == "awaiting_removal"
    sent = outbox(db_session)
    assert [(m.kind, m.destination, m.target["to"]) for m in sent] == [
        ("police_referral", "email", ["referrals@police.nl.example"]),
        ("takedown_notice", "email", ["abuse@host.example"])]
    notice = sent[1].payload
    assert "https://files.example/v/1" in notice["text"] and "CN-" in notice["subject"]
    assert notice["case"]["classification"] == {"inhope": "baseline"}


def test_foreign_country_with_a_peer_is_forwarded_once(db_session: Session) -> None:
    case_id = assessed_case(db_session, "DE")
    ana = make_actor(db_session, "router")
    result = routing.route_case(db_session, case_id, ana, settings=SETTINGS)
    assert [(m["role"], m["destination"]) for m in result["messages"]] == [("hotline", "crowsnest")]
    (message,) = outbox(db_session)
    assert message.payload["language"] == "de" and message.kind == "hotline_forward"
    with pytest.raises(Conflict):  # already actioned: routing again sends nothing
        routing.route_case(db_session, case_id, ana, settings=SETTINGS)
    assert len(outbox(db_session)) == 1


def test_directory_hotline_without_machine_address_is_sent_by_hand(db_session: Session) -> None:
    case_id = assessed_case(db_session, "JP")  # the directory lists Japan's hotline
    ana = make_actor(db_session, "router")
    (message,) = routing.route_case(db_session, case_id, ana, settings=SETTINGS)["messages"]
    assert (message["role"], message["status"]) == ("hotline", "send by hand")
    assert "Internet Hotline Center Japan" in message["contact"]
    assert "https://files.example/v/1" in message["text"] and message["url"]
    assert outbox(db_session) == []


def test_country_without_hotline_goes_to_our_police_and_the_provider(db_session: Session) -> None:
    case_id = assessed_case(db_session, "KZ")  # no national hotline in the directory
    ana = make_actor(db_session, "router")
    result = routing.route_case(db_session, case_id, ana, settings=SETTINGS)
    assert [(m["role"], m["status"]) for m in result["messages"]] == [
        ("police", "queued"), ("hosting_provider", "send by hand")]
    assert [m.kind for m in outbox(db_session)] == ["police_referral"]


def test_only_assessed_actionable_cases_are_routed(db_session: Session) -> None:
    ana = make_actor(db_session, "ana")
    fresh = reported_case(db_session, "https://fresh.example/")
    with pytest.raises(Conflict):
        routing.route_case(db_session, fresh, ana, settings=SETTINGS)
    cases.change_status(db_session, fresh, ana, "in_assessment")
    cases.classify(db_session, fresh, ana, scheme_name="inhope", value="not_illegal")
    cases.change_status(db_session, fresh, ana, "assessed")
    with pytest.raises(InvalidInput, match="not classified as actionable"):
        routing.route_case(db_session, fresh, ana, settings=SETTINGS)
    assert outbox(db_session) == []


def signed_forward(key: str = "hotline-case-1:hotline_forward:abc") -> tuple[dict, bytes]:
    payload = {"subject": "s", "text": "t",
               "case": {"url": "https://files.example/v/9", "reference": "NL-1",
                        "classification": {"inhope": "baseline"}}}
    body = forward_body(Delivery(key, "hotline_forward", payload, {}))
    return sign(body, key_id="nl-to-de", secret=SECRET.encode()), body


def test_a_forward_is_received_once(db_session: Session) -> None:
    keys = {"nl-to-de": SECRET}
    headers, body = signed_forward()
    status, answer = inbound.receive_forward(db_session, headers, body, keys)
    assert (status, answer["status"]) == (201, "accepted")
    case = db_session.get(HotlineCase, int(answer["reference"]))
    assert case is not None and case.source == "forward:nl-to-de" and case.report_count == 1
    again_headers, again_body = signed_forward()  # the sender retried: new nonce, same key
    assert inbound.receive_forward(db_session, again_headers, again_body, keys)[1] == {
        "status": "duplicate"}
    with pytest.raises(InvalidForward, match="replayed"):
        inbound.receive_forward(db_session, headers, body, keys)
    count = db_session.scalar(select(func.count()).select_from(HotlineInbound))
    assert count == 1


@pytest.mark.parametrize("tamper", ["unsigned", "unknown key", "body"])
def test_bad_forwards_are_refused_and_change_nothing(db_session: Session, tamper: str) -> None:
    headers, body = signed_forward()
    if tamper == "unsigned":
        headers = {}
    elif tamper == "body":
        body = body.replace(b"files.example", b"other.example")
    keys = {"someone-else": SECRET} if tamper == "unknown key" else {"nl-to-de": SECRET}
    with pytest.raises(InvalidForward):
        inbound.receive_forward(db_session, headers, body, keys)
    assert db_session.scalar(select(func.count()).select_from(HotlineInbound)) == 0


def test_malformed_forward_documents(db_session: Session) -> None:
    keys = {"nl-to-de": SECRET}
    for body in (b"not json", json.dumps({"key": "k", "payload": {}}).encode()):
        headers = sign(body, key_id="nl-to-de", secret=SECRET.encode())
        with pytest.raises(InvalidInput):
            inbound.receive_forward(db_session, headers, body, keys)
