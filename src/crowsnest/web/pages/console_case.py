"""The analyst console's case page and the decisions taken on it.

One page per case: the URL defanged, facts, and a form per decision -- status, assignment,
classification, hosting, items with hashes (optionally added to a bank in the same step),
routing, notice-and-takedown tracking (schedule a removal check, record the removal) and
feedback to reporters who asked for it.
Every form posts back here with the CSRF token; every decision goes through the same
services as ``/v1/hotline`` and so into the audit log, and a refused one re-renders the
page with the reason and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crowsnest.core import registry
from crowsnest.core.classification import schemes
from crowsnest.core.errors import InvalidInput
from crowsnest.core.workflow import next_steps
from crowsnest.services import banks as bank_service
from crowsnest.services import hotline_analysts as analysts
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_feedback as reporter_feedback
from crowsnest.services import hotline_items as items
from crowsnest.services import hotline_routing as routing
from crowsnest.services.hotline_analysts import Actor
from crowsnest.web.deps import curation, runtime, transaction
from crowsnest.web.pages.console import (
    _actor,
    _checked_form,
    _page,
    _to_login,
    form_decision,
)

router = APIRouter(prefix="/console", include_in_schema=False)
CHECK_AFTER_DAYS = (1, 2, 3, 5, 7, 14, 28)
ACTION_LABELS = {
    "case.view": "viewed the case", "case.status": "changed the status",
    "case.assign": "assigned the case", "case.classify": "classified the case",
    "case.item": "added an item", "case.trace": "traced the host",
    "case.trace_override": "set the hosting by hand", "case.route": "routed the case",
    "case.removal_check": "scheduled a removal check",
    "case.cybertip": "filed a CyberTipline report",
    "case.forward_received": "received a forward",
    "case.feedback": "sent feedback to reporters",
}


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    return _render(request, actor, case_id)


def _render(request: Request, actor: Actor, case_id: int, error: str | None = None,
            status: int = 200) -> Response:
    with transaction(request) as session:
        case = cases.view(session, case_id, actor)
        case["messages"] = routing.messages_with_delivery(session, case_id)
        people = [a for a in analysts.list_analysts(session) if a["active"]]
        bank_names = bank_service.bank_names(session)  # no entry counts: a GROUP BY per view
        feedback = reporter_feedback.state(session, case_id)
    names = {a["id"]: a["username"] for a in people}
    labels = [f"{found.name}:{value}" for found in schemes().values() for value in found.values]
    return _page(request, "console/case.html", status, actor=actor, case=case, error=error,
                 next_statuses=next_steps(case["status"]), labels=labels,
                 assignee=names.get(case["assignee_id"]), people=people,
                 supervisor=analysts.has_role(actor, "supervisor"),
                 banks=bank_names, signal_types=sorted(registry.signal_types()),
                 content_types=items.ITEM_TYPES,
                 removal_open=case["status"] in cases.REMOVAL_PENDING,
                 check_days=CHECK_AFTER_DAYS, action_labels=ACTION_LABELS, feedback=feedback)


@router.post("/cases/{case_id}/status")
async def change_status(request: Request, case_id: int) -> Response:
    form = await _checked_form(request)
    return _decide(request, case_id, form, lambda s, a, f: _status(s, case_id, a, f, request))


def _status(session: Any, case_id: int, actor: Actor, form: dict[str, str],
            _request: Request) -> None:
    cases.change_status(session, case_id, actor, form.get("status", ""),
                        form.get("outcome") or None, form.get("note") or None)


def _assign(session: Any, case_id: int, actor: Actor, form: dict[str, str],
            _request: Request) -> None:
    choice = form.get("assignee", "")
    cases.assign(session, case_id, actor, actor.username if choice == "me" else choice or None)


def _classify(session: Any, case_id: int, actor: Actor, form: dict[str, str],
              _request: Request) -> None:
    scheme_name, _sep, value = form.get("label", "").partition(":")
    cases.classify(session, case_id, actor, scheme_name=scheme_name, value=value)


def _trace(session: Any, case_id: int, actor: Actor, form: dict[str, str],
           _request: Request) -> None:
    cases.override_trace(session, case_id, actor, country=form.get("country") or None,
                         hosting_provider=form.get("hosting_provider") or None)


def _removal_check(session: Any, case_id: int, actor: Actor, form: dict[str, str],
                   _request: Request) -> None:
    try:
        days = int(form.get("days", ""))
    except ValueError:
        days = 0
    if days not in CHECK_AFTER_DAYS:
        raise InvalidInput("choose when to check the removal")
    cases.schedule_removal_check(session, case_id, actor, timedelta(days=days))


def _removal(session: Any, case_id: int, actor: Actor, form: dict[str, str],
             _request: Request) -> None:
    cases.record_removal(session, case_id, actor, removed_at=removal_time(form.get("removed_at")),
                         note=form.get("note") or None)


def removal_time(value: str | None) -> datetime | None:
    """A ``datetime-local`` field's value, read as UTC (the console shows UTC throughout);
    empty means now."""
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("the removal time is a date and time like 2026-12-01T14:30") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def parse_hashes(text: str) -> dict[str, str]:
    """The item form's hashes: one ``TYPE VALUE`` per line (``pdq 3f...``, ``md5 ...``)."""
    hashes: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        signal_type, _sep, value = line.strip().partition(" ")
        if not value.strip():
            raise InvalidInput(f"line {number}: write the hash type, a space and the hash")
        if signal_type.lower() in hashes:
            raise InvalidInput(f"line {number}: one {signal_type.lower()} hash per item")
        hashes[signal_type.lower()] = value.strip()
    return hashes


def _item(session: Any, case_id: int, actor: Actor, form: dict[str, str],
          request: Request) -> None:
    scheme_name, _sep, value = form.get("label", "").partition(":")
    items.add_item(session, case_id, actor, content_type=form.get("content_type", ""),
                   scheme_name=scheme_name, value=value,
                   hashes=parse_hashes(form.get("hashes", "")), bank=form.get("bank") or None,
                   note=form.get("note") or None,
                   matcher=runtime(request).index.ready_matcher())


def _route(session: Any, case_id: int, actor: Actor, _form: dict[str, str],
           request: Request) -> None:
    routing.route_case(session, case_id, actor, settings=runtime(request).settings)


def _feedback(session: Any, case_id: int, actor: Actor, _form: dict[str, str],
              request: Request) -> None:
    reporter_feedback.send_feedback(session, case_id, actor, settings=runtime(request).settings)


# Each takes (session, case_id, actor, form, request); the request gives the live index
# (items) and the settings (routing, feedback).
ACTIONS: dict[str, Callable[..., Any]] = {
    "assign": _assign, "classify": _classify, "trace": _trace, "item": _item,
    "route": _route, "removal_check": _removal_check, "removal": _removal,
    "feedback": _feedback,
}


@router.post("/cases/{case_id}/action")
async def case_action(request: Request, case_id: int) -> Response:
    """One decision on the case, named by the form's ``action`` field."""
    form = await _checked_form(request)
    handler = ACTIONS.get((form or {}).get("action", ""))
    bank_change = form is not None and form.get("action") == "item" and bool(form.get("bank"))
    return _decide(request, case_id, form if handler else None,
                   lambda s, a, f: handler(s, case_id, a, f, request), bank_change=bank_change)


def _decide(request: Request, case_id: int, form: dict[str, str] | None,
            decision: Callable[[Any, Actor, dict[str, str]], Any],
            bank_change: bool = False) -> Response:
    """Run one decision in one transaction; on refusal show the page with the reason."""
    actor = _actor(request)
    if actor is None:
        return _to_login()
    unit = curation if bank_change else transaction  # a bank change: the index catches up

    def decide(checked: dict[str, str]) -> None:
        with unit(request) as session:
            decision(session, actor, checked)
    return form_decision(form, decide,
                         lambda message, status: _render(request, actor, case_id, message, status),
                         f"/console/cases/{case_id}")
