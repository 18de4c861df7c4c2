"""CyberTipline reports built from a hotline case and filed through the outbox.

The report carries the case's URL, each item's hashes and industry classification (no
media), and the hotline's reference. It is enqueued for the ``cybertipline`` destination
under a stable key (a case is reported once), and the message is recorded on the case,
so what was sent — the report payload in the outbox — stays with the case.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crowsnest.config import Settings, get_settings
from crowsnest.core.errors import Conflict
from crowsnest.db.models_hotline import HotlineCase, HotlineMessage
from crowsnest.db.repositories import hotline_cases as repo
from crowsnest.destinations.cybertipline.model import CyberTipReport, ReportedFile, ReportingPerson
from crowsnest.services import hotline_audit as audit
from crowsnest.services import outbox
from crowsnest.services.hotline_analysts import Actor, require
from crowsnest.services.hotline_cases import require_case
from crowsnest.services.hotline_tx import writes


def report_for_case(session: Session, case: HotlineCase, reporter: ReportingPerson,
                    settings: Settings) -> CyberTipReport:
    """The neutral report for ``case`` (hashes and URLs only)."""
    files = tuple(
        ReportedFile(file_name=f"item-{item.id}", hashes=dict(item.hashes or {}),
                     industry_classification=item.value if item.scheme == "industry" else None,
                     location_url=case.url, publicly_available=True)
        for item in repo.items(session, case.id) if item.hashes)
    labels = ", ".join(f"{k}:{v}" for k, v in sorted((case.classification or {}).items()))
    info = (f"Reported to {settings.hotline_name} (reference {settings.hotline_reference_prefix}-"
            f"{case.id}); assessed as {labels or 'unclassified'}; hosting country "
            f"{case.hosting_country or 'unknown'}, IP {case.ip or 'unknown'}.")
    return CyberTipReport(incident_at=case.first_reported_at, reporter=reporter, urls=(case.url,),
                          company=settings.hotline_name, files=files, additional_info=info)


@writes
def file_case(session: Session, case_id: int, actor: Actor, reporter: ReportingPerson,
              *, settings: Settings | None = None) -> dict[str, Any]:
    """Enqueue a CyberTipline report for an assessed case (supervisors; once per case)."""
    require(actor, "supervisor")
    s = settings or get_settings()
    case = require_case(session, case_id, for_update=True)
    if case.assessed_at is None:
        raise Conflict("only an assessed case can be reported to the CyberTipline")
    key = f"hotline-case-{case.id}:cybertip"
    if repo.message_by_key(session, key) is not None:
        raise Conflict(f"case {case.id} was already reported to the CyberTipline")
    report = report_for_case(session, case, reporter, s)
    outbox.enqueue(session, key=key, kind="cybertip", destination_name="cybertipline",
                   target={}, payload={"report": report.as_dict()})
    repo.add_message(session, HotlineMessage(
        case_id=case.id, role="authority", kind="cybertip", destination="cybertipline",
        contact_name="NCMEC CyberTipline", outbox_key=key, language="en",
        reason="reported to the CyberTipline", created_by=actor.username))
    audit.record(session, actor=actor.username, action="case.cybertip", subject_type="case",
                 subject_id=case.id, detail={"key": key, "files": len(report.files)})
    return {"key": key, "report": report.as_dict()}
