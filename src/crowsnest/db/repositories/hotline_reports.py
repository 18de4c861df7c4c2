"""Queries on public reports, the cases they join and the URLs linking them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crowsnest.db.models_hotline import HotlineCase, HotlineReport, HotlineReportUrl


def add_report(session: Session, report: HotlineReport) -> HotlineReport:
    session.add(report)
    session.flush()
    return report


def get_by_receipt(session: Session, receipt_hash: str) -> HotlineReport | None:
    return session.scalars(
        select(HotlineReport).where(HotlineReport.receipt_hash == receipt_hash)).one_or_none()


def case_by_digest(session: Session, digest: str) -> HotlineCase | None:
    return session.scalars(select(HotlineCase).where(HotlineCase.url_digest == digest)).one_or_none()


def get_or_create_case(session: Session, digest: str, fields: dict[str, object]
                       ) -> tuple[HotlineCase, bool]:
    """The case with ``digest`` and whether it was created now (from ``fields``).

    A concurrent request may create the same case between our look-up and our insert; the
    unique constraint then fails inside a savepoint and we read the winner's row.
    """
    existing = case_by_digest(session, digest)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            case = HotlineCase(url_digest=digest, **fields)
            session.add(case)
            session.flush()
            return case, True
    except IntegrityError:
        found = case_by_digest(session, digest)
        assert found is not None
        return found, False


def count_report(session: Session, case_id: int, at: datetime) -> None:
    """One more report for an existing case; done in SQL so concurrent reports all count."""
    session.execute(
        update(HotlineCase).where(HotlineCase.id == case_id)
        .values(report_count=HotlineCase.report_count + 1, last_reported_at=at)
        .execution_options(synchronize_session=False))


def link_url(session: Session, report_id: int, case_id: int, raw_url: str) -> None:
    session.add(HotlineReportUrl(report_id=report_id, case_id=case_id, raw_url=raw_url))


def cases_of_report(session: Session, report_id: int) -> Sequence[HotlineCase]:
    return session.scalars(
        select(HotlineCase).join(HotlineReportUrl, HotlineReportUrl.case_id == HotlineCase.id)
        .where(HotlineReportUrl.report_id == report_id).order_by(HotlineCase.id)).all()


def reports_with_contact(session: Session, case_id: int) -> Sequence[HotlineReport]:
    """The reports that named this case's URL and still hold a contact address, oldest first."""
    return session.scalars(
        select(HotlineReport).join(HotlineReportUrl, HotlineReportUrl.report_id == HotlineReport.id)
        .where(HotlineReportUrl.case_id == case_id, HotlineReport.contact_email.is_not(None))
        .order_by(HotlineReport.id).distinct()).all()


def purge_contacts(session: Session, received_before: datetime, now: datetime) -> int:
    """Wipe contact e-mails of reports received before ``received_before``."""
    result = session.execute(
        update(HotlineReport)
        .where(HotlineReport.received_at < received_before,
               HotlineReport.contact_email.is_not(None))
        .values(contact_email=None, contact_purged_at=now))
    return int(result.rowcount or 0)
