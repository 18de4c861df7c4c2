"""The console's statistics over a period: counts, removal bands, reports per day."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from crowsnest.db.engine import unit_of_work

from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineCase
from crowsnest.services import hotline_stats
from tests.services.hotline_helpers import reported_case


def _case(session: Session, n: int, *, age_days: float, removed_after_days: float | None,
          country: str | None, status: str) -> None:
    case = session.get(HotlineCase, reported_case(session, f"https://dash.example/{n}"))
    assert case is not None
    case.first_reported_at = utcnow() - timedelta(days=age_days)
    case.status, case.hosting_country = status, country
    if removed_after_days is not None:
        case.removed_at = case.first_reported_at + timedelta(days=removed_after_days)
        case.assessed_at = case.first_reported_at + timedelta(hours=6)
    session.flush()


def test_dashboard_counts_bands_and_series(fresh_factory: sessionmaker[Session]) -> None:
    with unit_of_work(fresh_factory) as session:
        _check_dashboard(session)


def _check_dashboard(db_session: Session) -> None:
    for n, (age, removed, country, status) in enumerate([
        (3, 0.5, "NL", "removed"), (4, 2.0, "NL", "removed"), (5, 6.0, "US", "removed"),
        (6, 40.0, "US", "removed"), (2, None, None, "new"), (200, 1.0, "DE", "removed"),
    ]):
        _case(db_session, n, age_days=age, removed_after_days=removed, country=country,
              status=status)
    figures = hotline_stats.dashboard(db_session, 30)
    assert figures["cases"] == 5  # the 200-day-old case is outside the period
    assert dict(figures["by_status"]) == {"removed": 4, "new": 1}
    assert dict(figures["by_hosting_country"]) == {"NL": 2, "US": 2, "unknown": 1}
    assert figures["removal_bands"] == [("≤ 1 day", 1), ("≤ 2.5 days", 1), ("≤ 7 days", 1),
                                        ("≤ 28 days", 0), ("> 28 days", 1)]
    assert figures["days_to_removal"]["count"] == 4
    assert figures["days_to_removal"]["median"] == 4.0
    assert figures["hours_to_assessment"]["median"] == 6.0
    series = figures["reports_per_day"]
    assert len(series) == 31 and series[-1][0] == utcnow().date().isoformat()
    assert sum(n for _, n in series) == figures["reports"] >= 5

    year = hotline_stats.dashboard(db_session, 365)
    assert year["cases"] == 6 and dict(year["by_hosting_country"])["DE"] == 1
    assert hotline_stats.dashboard(db_session, 12345)["days"] == 30  # unknown period: default
