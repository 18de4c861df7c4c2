"""Routing an assessed case and sending what the rules call for, through the outbox.

Contacts come from the settings' ``hotline_contacts`` first (peers reached as another
crowsnest instance or by e-mail) and from the help directory otherwise. A directory
contact has no machine address, so its message is stored for the analyst to send by hand
(``destination: manual``). Everything else is enqueued in the outbox in the same
transaction as the case change, with a stable key per case and route, so routing a case
twice sends each message once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.config import Settings, get_settings
from crowsnest.core import directory
from crowsnest.core.errors import Conflict, InvalidInput
from crowsnest.core.notices import render
from crowsnest.core.routing import Contact, Route, RoutingInput, RoutingPolicy
from crowsnest.db.models_hotline import HotlineCase, HotlineMessage
from crowsnest.db.repositories import hotline_cases as repo
from crowsnest.db.repositories import outbox as outbox_repo
from crowsnest.services import hotline_audit as audit
from crowsnest.services import outbox
from crowsnest.services.hotline_analysts import Actor, require
from crowsnest.services.hotline_cases import change_status, is_actionable, require_case, summary
from crowsnest.services.hotline_tx import writes

# Language a notice to a country is written in (English elsewhere).
COUNTRY_LANGUAGE = {"FR": "fr", "BE": "fr", "LU": "fr", "ES": "es", "MX": "es", "AR": "es",
                    "CO": "es", "CL": "es", "PE": "es", "DE": "de", "AT": "de", "CH": "de",
                    "PT": "pt", "BR": "pt"}


def _configured(settings: Settings, key: str) -> Contact | None:
    raw = settings.hotline_contacts.get(key)
    if not raw:
        return None
    return Contact(name=str(raw.get("name") or key), country=key.split(":", 1)[-1],
                   destination=str(raw.get("destination") or "manual"),
                   target=dict(raw.get("target") or {}))  # type: ignore[arg-type]


def _from_directory(code: str, kind: str) -> Contact | None:
    entry = directory.hotline_for(code) if kind == "hotline" else directory.police_for(code)
    if entry is None or entry.country != code:
        return None  # an international fallback is not a national contact
    return Contact(entry.name, code, "manual", {}, entry.report_url or entry.web)


def policy(settings: Settings | None = None) -> RoutingPolicy:
    """The routing rules of this instance."""
    s = settings or get_settings()
    return RoutingPolicy(
        s.hotline_own_country,
        hotline_for=lambda c: _configured(s, f"hotline:{c}") or _from_directory(c, "hotline"),
        police_for=lambda c: _configured(s, f"police:{c}") or _from_directory(c, "police"),
    )


def plan(session: Session, case_id: int, actor: Actor, *,
         provider: Mapping[str, Any] | None = None, settings: Settings | None = None) -> list[Route]:
    """The routes the rules give for a case (nothing is sent)."""
    require(actor, "analyst")
    case = require_case(session, case_id)
    return policy(settings).routes(RoutingInput(is_actionable(case), case.hosting_country,
                                                _provider(case, provider, settings)))


def _provider(case: HotlineCase, given: Mapping[str, Any] | None, settings: Settings | None
              ) -> Contact | None:
    s = settings or get_settings()
    if given:
        email = given.get("email")
        return Contact(str(given.get("name") or case.hosting_provider or "hosting provider"),
                       case.hosting_country, "email" if email else "manual",
                       {"to": [email]} if email else {})
    if case.hosting_asn is not None:
        return _configured(s, f"provider:AS{case.hosting_asn}")
    return None


@writes
def route_case(session: Session, case_id: int, actor: Actor, *,
               provider: Mapping[str, Any] | None = None,
               settings: Settings | None = None) -> dict[str, Any]:
    """Send everything the rules call for an assessed case, and mark it actioned."""
    s = settings or get_settings()
    case = require_case(session, case_id, for_update=True)
    if case.status != "assessed":
        raise Conflict(f"only an assessed case can be routed; case {case.id} is {case.status}")
    if not is_actionable(case):
        raise InvalidInput("the case is not classified as actionable; close it with an outcome")
    routes = plan(session, case_id, actor, provider=provider, settings=s)
    sent = [_send(session, case, route, actor, s) for route in routes]
    change_status(session, case.id, actor, "actioned")
    if any(r.message in ("takedown_notice", "hotline_forward") for r in routes):
        change_status(session, case.id, actor, "awaiting_removal")
    return {"case": summary(case), "messages": sent}


def _send(session: Session, case: HotlineCase, route: Route, actor: Actor, s: Settings
          ) -> dict[str, Any]:
    language = COUNTRY_LANGUAGE.get(route.contact.country or "", "en")
    notice = render(route.message, language, _fields(case, route.contact, s))
    key = _key(case.id, route)
    if repo.message_by_key(session, key) is not None:
        return {"role": route.role, "key": key, "status": "already sent"}
    manual = route.contact.destination == "manual"
    payload = {**notice.as_payload(), "case": _case_payload(session, case, s)}
    if not manual:
        outbox.enqueue(session, key=key, kind=route.message,
                       destination_name=route.contact.destination,
                       target=dict(route.contact.target), payload=payload)
    repo.add_message(session, HotlineMessage(
        case_id=case.id, role=route.role, kind=route.message,
        destination=route.contact.destination, contact_name=route.contact.name[:200],
        outbox_key=key, language=notice.language, reason=route.reason,
        created_by=actor.username))
    audit.record(session, actor=actor.username, action="case.route", subject_type="case",
                 subject_id=case.id, detail={"role": route.role, "contact": route.contact.name,
                                             "destination": route.contact.destination, "key": key})
    out = {"role": route.role, "key": key, "contact": route.contact.name,
           "destination": route.contact.destination,
           "status": "send by hand" if manual else "queued", "subject": notice.subject}
    if manual:
        out.update(text=notice.text, url=route.contact.url)
    return out


def _key(case_id: int, route: Route) -> str:
    digest = hashlib.sha256(f"{route.contact.destination}:{route.contact.target}".encode())
    return f"hotline-case-{case_id}:{route.message}:{digest.hexdigest()[:16]}"


def _fields(case: HotlineCase, contact: Contact, s: Settings) -> dict[str, Any]:
    return {"recipient": contact.name, "sender_name": s.hotline_name,
            "sender_email": s.hotline_email, "url": case.url, "ip": case.ip,
            "hosting_country": case.hosting_country, "reference": _reference(case, s),
            "reported_at": case.first_reported_at.date().isoformat(),
            "assessed_at": case.assessed_at.date().isoformat() if case.assessed_at else None,
            "classification": ", ".join(f"{k}:{v}" for k, v in sorted(case.classification.items()))}


def _reference(case: HotlineCase, s: Settings) -> str:
    return f"{s.hotline_reference_prefix}-{case.id}"


def _case_payload(session: Session, case: HotlineCase, s: Settings) -> dict[str, Any]:
    """What a receiving hotline needs to open its own case (no media, only hashes)."""
    return {"reference": _reference(case, s), "url": case.url,
            "classification": dict(case.classification), "content_type": case.content_type,
            "hosting_country": case.hosting_country, "hosting_provider": case.hosting_provider,
            "ip": case.ip, "reported_at": case.first_reported_at.isoformat(),
            "items": [{"content_type": i.content_type, "classification": f"{i.scheme}:{i.value}",
                       "hashes": dict(i.hashes or {})} for i in repo.items(session, case.id)]}


def messages_with_delivery(session: Session, case_id: int) -> list[dict[str, Any]]:
    """A case's messages with their outbox delivery state (``manual`` ones have none)."""
    out = []
    for message in repo.messages(session, case_id):
        stored = outbox_repo.get_by_key(session, message.outbox_key) if message.outbox_key else None
        delivery = outbox.info(stored).to_dict() if stored is not None else None
        if delivery is not None:
            delivery.pop("payload", None)
        out.append({"id": message.id, "role": message.role, "kind": message.kind,
                    "destination": message.destination, "contact": message.contact_name,
                    "language": message.language, "reason": message.reason,
                    "created_at": message.created_at.isoformat(),
                    "delivery": delivery or {"status": "send by hand"}})
    return out
