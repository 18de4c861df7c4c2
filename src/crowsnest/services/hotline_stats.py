"""Hotline statistics: counts by status, outcome, classification and hosting country;
median and 90th percentile of hours to assessment and to removal; CSV and JSON export."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.stats import summary
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
