"""Case work: the analyst queue, viewing (audited), the status workflow, assignment,
classification, tracing and removal. Items and hashes live in ``hotline_items``; routing
and sending in ``hotline_routing``.

Every change and every view writes an audit record in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.classification import scheme
from crowsnest.core.errors import InvalidInput, NotFound
from crowsnest.core.intake import check_country_code
from crowsnest.core.priority import priority
from crowsnest.core.tracing import TraceResult, override, trace
from crowsnest.core.urls import defang
from crowsnest.core.workflow import OPEN_STATUSES, check_status, public_status, transition
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineCase
from crowsnest.db.repositories import hotline_cases as repo
from crowsnest.db.repositories import hotline_people as people
from crowsnest.services import hotline_audit as audit
from crowsnest.services.hotline_analysts import Actor, require
from crowsnest.services.hotline_tx import writes

CONTENT_TYPES = ("image", "video", "mixed", "text", "other")
AGE_GROUPS = ("infant_toddler", "prepubescent", "pubescent", "unknown")
# How far ahead of this server's clock a reported time may be (clocks differ a little).
CLOCK_SKEW = timedelta(minutes=5)
# Statuses in which a scheduled removal check can fall due.
REMOVAL_PENDING = ("actioned", "awaiting_removal")
# Which timestamp a status change sets.
_STAMPS = {"assessed": "assessed_at", "actioned": "actioned_at", "removed": "removed_at",
           "closed": "closed_at"}


def require_case(session: Session, case_id: int, *, for_update: bool = False) -> HotlineCase:
    case = repo.get(session, case_id, for_update=for_update)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def summary(case: HotlineCase, now: datetime | None = None) -> dict[str, Any]:
    """A case as the queue shows it (the URL defanged, never a live link)."""
    moment = now or utcnow()
    age = moment - case.first_reported_at
    rank = priority(max(case.report_count, 1), case.hash_match_count, age)
    return {
        "id": case.id, "url": case.url, "url_defanged": defang(case.url), "host": case.host,
        "status": case.status, "public_status": public_status(case.status),
        "outcome": case.outcome, "report_count": case.report_count,
        "hash_match_count": case.hash_match_count, "assignee_id": case.assignee_id,
        "priority": {"score": rank.score, "band": rank.band, "reasons": rank.reasons},
        "classification": dict(case.classification or {}), "content_type": case.content_type,
        "age_group": case.age_group, "hosting_country": case.hosting_country,
        "hosting_provider": case.hosting_provider, "hosting_asn": case.hosting_asn,
        "ip": case.ip, "source": case.source,
        "removal_check_due": case.status in REMOVAL_PENDING
        and case.removal_check_at is not None and case.removal_check_at <= moment,
        **{name: _iso(getattr(case, name)) for name in (
            "first_reported_at", "last_reported_at", "assessed_at", "actioned_at",
            "removal_check_at", "removed_at", "closed_at")},
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def queue(session: Session, actor: Actor, *, statuses: Sequence[str] = (),
          country: str | None = None, untraced: bool = False, mine: bool = False,
          unassigned: bool = False, check_due: bool = False,
          limit: int = 100) -> list[dict[str, Any]]:
    """Open cases (or the given statuses), highest priority first.

    ``country`` keeps cases hosted there, ``untraced`` those not traced to a country yet;
    ``mine`` those assigned to the caller, ``unassigned`` those nobody has taken yet;
    ``check_due`` those whose scheduled removal check has come. Pairs that exclude each
    other are refused.
    """
    require(actor, "analyst")
    if mine and unassigned:
        raise InvalidInput("choose either your own cases or unassigned ones, not both")
    if country and untraced:
        raise InvalidInput("choose either a hosting country or untraced cases, not both")
    now = utcnow()
    wanted = [check_status(s) for s in statuses] or sorted(OPEN_STATUSES)
    if check_due:
        wanted = [s for s in wanted if s in REMOVAL_PENDING]
    rows = repo.list_cases(session, statuses=wanted,
                           country=check_country_code(country) if country else None,
                           untraced=untraced, assignee_id=actor.analyst_id if mine else None,
                           unassigned=unassigned, check_due_by=now if check_due else None,
                           limit=10_000) if wanted else []
    ranked = sorted((summary(c, now) for c in rows),
                    key=lambda c: (-c["priority"]["score"], c["id"]))
    return ranked[:max(1, min(limit, 500))]


def hosting_countries(session: Session) -> list[str]:
    """Every country a case has been traced to, for filters."""
    return sorted(code for code in repo.count_by(session, "hosting_country") if code)


@writes
def view(session: Session, case_id: int, actor: Actor) -> dict[str, Any]:
    """The full case (items, messages, trace, timeline); the view itself is audited."""
    require(actor, "analyst")
    case = require_case(session, case_id)
    audit.record(session, actor=actor.username, action="case.view", subject_type="case",
                 subject_id=case.id)
    out = summary(case)
    out["trace"] = dict(case.trace or {})
    out["items"] = [_item(i) for i in repo.items(session, case.id)]
    out["messages"] = [_message(m) for m in repo.messages(session, case.id)]
    out["timeline"] = audit.timeline(session, "case", case.id)
    return out


def _item(item: Any) -> dict[str, Any]:
    return {"id": item.id, "content_type": item.content_type, "classification":
            f"{item.scheme}:{item.value}", "hashes": dict(item.hashes or {}),
            "bank_entry_ids": list(item.bank_entry_ids or []), "note": item.note,
            "added_by": item.added_by, "added_at": item.added_at.isoformat()}


def _message(message: Any) -> dict[str, Any]:
    return {"id": message.id, "role": message.role, "kind": message.kind,
            "destination": message.destination, "contact": message.contact_name,
            "outbox_key": message.outbox_key, "language": message.language,
            "reason": message.reason, "created_at": message.created_at.isoformat()}


@writes
def change_status(session: Session, case_id: int, actor: Actor, status: str,
                  outcome: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Move a case through the workflow (see ``core.workflow``); reopening needs a supervisor."""
    require(actor, "supervisor" if status == "in_assessment" and _is_final(session, case_id)
            else "analyst")
    case = require_case(session, case_id, for_update=True)
    before = case.status
    case.status, case.outcome = transition(case.status, status, outcome)
    now = utcnow()
    if status in _STAMPS:
        setattr(case, _STAMPS[status], now)
    if status == "in_assessment" and case.assignee_id is None:
        case.assignee_id = actor.analyst_id
    session.flush()
    audit.record(session, actor=actor.username, action="case.status", subject_type="case",
                 subject_id=case.id, detail={"from": before, "to": status, "outcome": case.outcome,
                                             "note": (note or "")[:2000] or None})
    return summary(case, now)


def _is_final(session: Session, case_id: int) -> bool:
    return require_case(session, case_id).status in ("closed", "removed")


@writes
def assign(session: Session, case_id: int, actor: Actor, username: str | None) -> dict[str, Any]:
    """Assign a case; analysts may take a case for themselves, supervisors assign anyone."""
    case = require_case(session, case_id, for_update=True)
    target = None
    if username is not None:
        row = people.analyst_by_name(session, username)
        if row is None:
            raise NotFound(f"no analyst called {username!r}")
        target = row.id
    require(actor, "analyst" if target == actor.analyst_id and case.assignee_id is None
            else "supervisor")
    case.assignee_id = target
    session.flush()
    audit.record(session, actor=actor.username, action="case.assign", subject_type="case",
                 subject_id=case.id, detail={"assignee": username})
    return summary(case)


@writes
def classify(session: Session, case_id: int, actor: Actor, *, scheme_name: str, value: str,
             content_type: str | None = None, age_group: str | None = None) -> dict[str, Any]:
    """Record the case-level classification under one scheme (and content type, age group)."""
    require(actor, "analyst")
    found = scheme(scheme_name)
    canonical = found.validate(value)
    if content_type is not None and content_type not in CONTENT_TYPES:
        raise InvalidInput(f"content type must be one of {', '.join(CONTENT_TYPES)}")
    if age_group is not None and age_group not in AGE_GROUPS:
        raise InvalidInput(f"age group must be one of {', '.join(AGE_GROUPS)}")
    case = require_case(session, case_id, for_update=True)
    case.classification = {**(case.classification or {}), found.name: canonical}
    case.content_type = content_type or case.content_type
    case.age_group = age_group or case.age_group
    session.flush()
    audit.record(session, actor=actor.username, action="case.classify", subject_type="case",
                 subject_id=case.id, detail={"label": f"{found.name}:{canonical}",
                                             "content_type": content_type, "age_group": age_group})
    return summary(case)


def is_actionable(case: HotlineCase) -> bool:
    """True when any recorded classification calls for action."""
    return any(scheme(name).is_actionable(value)
               for name, value in (case.classification or {}).items())


@writes
def trace_case(session: Session, case_id: int, actor: Actor, *, resolve: bool = False,
               tracer: Callable[..., TraceResult] = trace, **trace_options: Any) -> dict[str, Any]:
    """Trace the case's host (resolution only if asked) and store the result."""
    require(actor, "analyst")
    case = require_case(session, case_id, for_update=True)
    result = tracer(case.host, resolve=resolve, **trace_options)
    _apply_trace(case, result)
    session.flush()
    audit.record(session, actor=actor.username, action="case.trace", subject_type="case",
                 subject_id=case.id, detail={"resolve": resolve, "ip": result.ip,
                                             "country": result.country, "asn": result.asn})
    return summary(case)


@writes
def override_trace(session: Session, case_id: int, actor: Actor, *,
                   hosting_provider: str | None = None, **fields: Any) -> dict[str, Any]:
    """An analyst sets IP, country, ASN or network owner (and provider) by hand."""
    require(actor, "analyst")
    case = require_case(session, case_id, for_update=True)
    current = TraceResult(**{k: tuple(v) if k in ("ips", "log") else v
                             for k, v in (case.trace or {"host": case.host}).items()})
    result = override(current, analyst=actor.username, **fields)
    _apply_trace(case, result)
    if hosting_provider is not None:
        case.hosting_provider = hosting_provider.strip()[:200] or None
    session.flush()
    audit.record(session, actor=actor.username, action="case.trace_override", subject_type="case",
                 subject_id=case.id, detail={**{k: v for k, v in fields.items()},
                                             "hosting_provider": hosting_provider})
    return summary(case)


def _apply_trace(case: HotlineCase, result: TraceResult) -> None:
    case.trace = result.as_dict()
    case.ip, case.hosting_country, case.hosting_asn = result.ip, result.country, result.asn
    if result.network_owner and not case.hosting_provider:
        case.hosting_provider = result.network_owner[:200]


@writes
def schedule_removal_check(session: Session, case_id: int, actor: Actor, after: timedelta
                           ) -> dict[str, Any]:
    require(actor, "analyst")
    case = require_case(session, case_id, for_update=True)
    case.removal_check_at = utcnow() + after
    session.flush()
    audit.record(session, actor=actor.username, action="case.removal_check", subject_type="case",
                 subject_id=case.id, detail={"due": case.removal_check_at.isoformat()})
    return summary(case)


@writes
def record_removal(session: Session, case_id: int, actor: Actor, *,
                   removed_at: datetime | None = None, note: str | None = None) -> dict[str, Any]:
    """The content is gone: the case moves to ``removed``; time to removal is computed.

    The time is checked before anything changes, so a refused one leaves the case as it was.
    """
    case = require_case(session, case_id)
    if removed_at is not None:
        if removed_at.tzinfo is None or removed_at < case.first_reported_at:
            raise InvalidInput("the removal time must be timezone-aware and after the first report")
        if removed_at > utcnow() + CLOCK_SKEW:
            raise InvalidInput("the removal time cannot be in the future")
    change_status(session, case_id, actor, "removed", note=note)
    if removed_at is not None:
        case.removed_at = removed_at
        session.flush()
    out = summary(case)
    out["hours_to_removal"] = round(
        (case.removed_at - case.first_reported_at).total_seconds() / 3600, 2)  # type: ignore[operator]
    return out


def removal_checks_due(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Cases awaiting removal whose scheduled check is due."""
    moment = now or utcnow()
    return [summary(c, moment) for c in repo.list_cases(
        session, statuses=list(REMOVAL_PENDING), check_due_by=moment, limit=10_000)]

