"""Feedback to reporters who left an e-mail address: "your report was assessed" or
"your report is closed", and nothing about what was found (``core.feedback``).

An analyst sends it from a case once the case is past "received". Each report that named
the case's URL and still has a contact address gets one e-mail per public status it
reaches -- a report of several URLs only once all of them are that far along -- through
the outbox (the ``email`` destination), in the reporter's language. Sending again is safe:
the outbox key is per report and status. The addresses are never shown to analysts,
never written to the audit log, and are forgotten in the outbox when the reports' contact
retention ends (``hotline_intake.purge_contacts``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crowsnest.config import Settings, get_settings
from crowsnest.core.errors import Conflict
from crowsnest.core.feedback import render_feedback
from crowsnest.core.workflow import public_status
from crowsnest.db.models_hotline import HotlineMessage
from crowsnest.db.repositories import hotline_cases as case_repo
from crowsnest.db.repositories import hotline_reports as report_repo
from crowsnest.db.repositories import outbox as outbox_repo
from crowsnest.services import hotline_audit as audit
from crowsnest.services import outbox
from crowsnest.services.hotline_analysts import Actor, require
from crowsnest.services.hotline_cases import require_case
from crowsnest.services.hotline_intake import report_status
from crowsnest.services.hotline_tx import writes


def _key(report_id: int, status: str) -> str:
    return f"reporter-feedback-{report_id}:{status}"


def state(session: Session, case_id: int) -> dict[str, int]:
    """How many of the case's reporters asked for feedback, and how many already had it
    for the status their report has now (for the case page; no addresses)."""
    asked = ready = sent = 0
    for report in report_repo.reports_with_contact(session, case_id):
        asked += 1
        status = report_status(session, report.id)
        if status != "received":
            ready += 1
            sent += outbox_repo.get_by_key(session, _key(report.id, status)) is not None
    return {"asked": asked, "ready": ready, "sent": sent}


@writes
def send_feedback(session: Session, case_id: int, actor: Actor, *,
                  settings: Settings | None = None) -> dict[str, int]:
    """Queue feedback for every reporter of the case who asked for it and has not had it
    for their report's current status; returns the counts."""
    require(actor, "analyst")
    s = settings or get_settings()
    case = require_case(session, case_id, for_update=True)
    if public_status(case.status) == "received":
        raise Conflict(f"feedback is for assessed or closed cases; case {case.id} is "
                       f"{case.status.replace('_', ' ')}")
    counts = {"queued": 0, "already_sent": 0, "waiting_for_other_urls": 0}
    for report in report_repo.reports_with_contact(session, case.id):
        status = report_status(session, report.id)
        if status == "received":
            counts["waiting_for_other_urls"] += 1
            continue
        key = _key(report.id, status)
        if outbox_repo.get_by_key(session, key) is not None:
            counts["already_sent"] += 1
            continue
        _queue(session, case.id, report, status, key, actor, s)
        counts["queued"] += 1
    audit.record(session, actor=actor.username, action="case.feedback", subject_type="case",
                 subject_id=case.id, detail=dict(counts))
    return counts


def _queue(session: Session, case_id: int, report: Any, status: str, key: str, actor: Actor,
           s: Settings) -> None:
    notice = render_feedback(status, report.reporter_language, {
        "sender_name": s.hotline_name, "reported_at": report.received_at.date().isoformat(),
        "retention_days": s.hotline_contact_retention_days})
    outbox.enqueue(session, key=key, kind=notice.kind, destination_name="email",
                   target={"to": [report.contact_email]}, payload=notice.as_payload())
    case_repo.add_message(session, HotlineMessage(
        case_id=case_id, role="reporter", kind=notice.kind, destination="email",
        contact_name=f"reporter of report #{report.id}", outbox_key=key,
        language=notice.language, reason=f"the report is {status}", created_by=actor.username))
