"""Hotline statistics: counts by status, outcome, classification and hosting country;
median and 90th percentile of hours to assessment and to removal; CSV and JSON export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.stats import summary
from crowsnest.db.models import utcnow
from crowsnest.db.repositories import hotline_cases as repo


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600


def compute(session: Session) -> dict[str, Any]:
    """All figures as one JSON-ready object."""
    cases = repo.all_cases(session)
    labels: Counter[str] = Counter()
    for case in cases:
        labels.update(f"{k}:{v}" for k, v in (case.classification or {}).items())
    to_assessment = [h for c in cases if (h := _hours(c.first_reported_at, c.assessed_at)) is not None]
    to_removal = [h for c in cases if (h := _hours(c.first_reported_at, c.removed_at)) is not None]
    return {
        "cases": len(cases),
        "reports": sum(c.report_count for c in cases),
        "by_status": dict(Counter(c.status for c in cases)),
        "by_outcome": dict(Counter(c.outcome for c in cases if c.outcome)),
        "by_classification": dict(labels),
        "by_hosting_country": dict(Counter(c.hosting_country or "unknown" for c in cases)),
        "hours_to_assessment": summary(to_assessment),
        "hours_to_removal": summary(to_removal),
    }


#: time-to-removal bands in days; 2.5 days is what INHOPE reports where a member hotline exists
REMOVAL_BANDS: tuple[tuple[str, float | None], ...] = (
    ("≤ 1 day", 1.0), ("≤ 2.5 days", 2.5), ("≤ 7 days", 7.0), ("≤ 28 days", 28.0),
    ("> 28 days", None))
PERIODS = (7, 30, 90, 365)
TOP_COUNTRIES = 12


def _bands(days: list[float]) -> list[tuple[str, int]]:
    counts = [0] * len(REMOVAL_BANDS)
    for value in days:
        for i, (_, limit) in enumerate(REMOVAL_BANDS):
            if limit is None or value <= limit:
                counts[i] += 1
                break
    return [(label, n) for (label, _), n in zip(REMOVAL_BANDS, counts)]


def _top(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    top = counter.most_common(n)
    rest = sum(counter.values()) - sum(v for _, v in top)
    return top + ([("other", rest)] if rest else [])


def dashboard(session: Session, days: int, now: datetime | None = None) -> dict[str, Any]:
    """Figures for the console's statistics page over cases first reported in the last
    ``days`` days: counts by status and hosting country, times to assessment and removal
    (with day bands), and reports received per day."""
    if days not in PERIODS:
        days = 30
    now = now or utcnow()
    since = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    cases = repo.cases_reported_since(session, since)
    removal_days = [(c.removed_at - c.first_reported_at).total_seconds() / 86400
                    for c in cases if c.removed_at is not None]
    assessment_hours = [h for c in cases
                        if (h := _hours(c.first_reported_at, c.assessed_at)) is not None]
    per_day: Counter[str] = Counter(t.date().isoformat()
                                    for t in repo.report_times_since(session, since))
    span = (now.date() - since.date()).days + 1
    series = [((since + timedelta(days=i)).date().isoformat(), 0) for i in range(span)]
    return {
        "days": days, "since": since.date().isoformat(), "cases": len(cases),
        "reports": sum(per_day.values()),
        "by_status": sorted(Counter(c.status for c in cases).items(), key=lambda kv: -kv[1]),
        "by_hosting_country": _top(Counter(c.hosting_country or "unknown" for c in cases),
                                   TOP_COUNTRIES),
        "hours_to_assessment": summary(assessment_hours),
        "days_to_removal": summary(removal_days),
        "removal_bands": _bands(removal_days),
        "reports_per_day": [(day, per_day.get(day, 0)) for day, _ in series],
    }


def to_csv(figures: dict[str, Any]) -> str:
    """Figures as ``metric,key,value`` rows (one table, easy to load in a spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "key", "value"])
    writer.writerow(["cases", "", figures["cases"]])
    writer.writerow(["reports", "", figures["reports"]])
    for metric in ("by_status", "by_outcome", "by_classification", "by_hosting_country"):
        for key, value in sorted(figures[metric].items()):
            writer.writerow([metric, key, value])
    for metric in ("hours_to_assessment", "hours_to_removal"):
        for key, value in figures[metric].items():
            writer.writerow([metric, key, "" if value is None else round(value, 3)])
    return out.getvalue()
