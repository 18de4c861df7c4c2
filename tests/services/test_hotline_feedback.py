"""Feedback to reporters: who gets it and when, once per status, through a real SMTP
server, with no address in the audit log and none left after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core.errors import Conflict
from crowsnest.db.engine import unit_of_work
from crowsnest.db.models import utcnow
from crowsnest.db.models_service import OutboxMessage
from crowsnest.destinations.email import EmailDestination, SmtpServer
from crowsnest.services import hotline_audit as audit
from crowsnest.services import hotline_cases as cases
from crowsnest.services import hotline_feedback as feedback
from crowsnest.services import hotline_intake as intake
from crowsnest.services.outbox import OutboxWorker
from crowsnest.testing.servers import SmtpInbox, run_smtp

from .hotline_helpers import make_actor


@pytest.fixture
def smtp() -> SmtpInbox:
    yield from run_smtp(None)


def _assess(session: Session, case_id: int, actor) -> None:  # noqa: ANN001
    cases.change_status(session, case_id, actor, "in_assessment")
    cases.change_status(session, case_id, actor, "assessed")


def test_feedback_once_per_status_by_real_smtp(fresh_factory: sessionmaker[Session],
                                              smtp: SmtpInbox) -> None:
    with unit_of_work(fresh_factory) as session:
        ana = make_actor(session, "ana")
        one = intake.submit(session, {"urls": ["https://one.example/a"],
                                      "contact_email": "parent@mail.example",
                                      "reporter_language": "de"})
        case_id = one.case_ids[0]
        two = intake.submit(session, {"urls": ["https://one.example/a", "https://two.example/b"],
                                      "contact_email": "teacher@mail.example"})
        intake.submit(session, {"urls": ["https://one.example/a"]})  # no address: no feedback
        with pytest.raises(Conflict, match="assessed or closed"):
            feedback.send_feedback(session, case_id, ana)
        assert feedback.state(session, case_id) == {"asked": 2, "ready": 0, "sent": 0}
        _assess(session, case_id, ana)
        first = feedback.send_feedback(session, case_id, ana)
        assert first == {"queued": 1, "already_sent": 0, "waiting_for_other_urls": 1}
        assert feedback.send_feedback(session, case_id, ana)["already_sent"] == 1
        assert feedback.state(session, case_id) == {"asked": 2, "ready": 1, "sent": 1}
        # The second report's other URL is assessed too: now that reporter hears of it.
        _assess(session, two.case_ids[1], ana)
        assert feedback.send_feedback(session, case_id, ana)["queued"] == 1
        records = audit.timeline(session, "case", case_id)
        assert "mail.example" not in str(records)
        assert [r["detail"]["queued"] for r in records if r["action"] == "case.feedback"] == [1, 0, 1]

    worker = OutboxWorker(fresh_factory, destinations={
        "email": EmailDestination(SmtpServer(port=smtp.port, sender="hotline@crowsnest.example"))})
    assert worker.run_once() == 2
    by_recipient = {env[1][0]: msg for env, msg in zip(smtp.envelopes, smtp.messages)}
    german = by_recipient["parent@mail.example"]
    assert german["Subject"].startswith("Ihre Meldung an")
    body = german.get_payload(decode=True).decode("utf-8")
    assert "one.example" not in body and "geprüft" in body
    assert by_recipient["teacher@mail.example"]["Subject"].endswith("has been assessed")

    with unit_of_work(fresh_factory) as session:
        ana = make_actor(session, "ben")
        cases.change_status(session, case_id, ana, "closed", "not_illegal")
        assert feedback.send_feedback(session, case_id, ana)["queued"] == 1  # closed: again
        # Retention: the addresses go from the reports and from the outbox.
        assert intake.purge_contacts(session, 0, now=utcnow() + timedelta(seconds=5)) == 2
        targets = session.scalars(select(OutboxMessage.target).where(
            OutboxMessage.kind.like("feedback_%"))).all()
        assert len(targets) == 3 and all(t == {"redacted": True} for t in targets)
