"""Priority of a case in the analyst queue.

Three signals, each with a bounded share of a 0-100 score so none drowns the others:

* reports: the more people report one URL, the more it is being seen
  (``weight * log2(count)``, so 1 report adds nothing and each doubling adds the same);
* hash matches an analyst attached: known material is certain and comes first;
* age: a waiting case climbs steadily, so nothing waits for ever.

The weights are a dataclass so a hotline can tune its queue; the reasons explain a score
in the console.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from crowsnest.core.errors import InvalidInput


@dataclass(frozen=True)
class PriorityWeights:
    """How many points each signal gives, and its cap."""

    per_report_doubling: float = 10.0
    reports_cap: float = 30.0
    first_match: float = 40.0
    per_extra_match: float = 5.0
    matches_cap: float = 50.0
    per_hour_waiting: float = 0.5
    age_cap: float = 20.0


@dataclass(frozen=True)
class Priority:
    """A score in 0..100, its band and the reasons for it."""

    score: int
    band: str
    reasons: list[str] = field(default_factory=list)


BANDS = ((75, "urgent"), (45, "high"), (15, "normal"), (0, "low"))


def priority(report_count: int, hash_matches: int, age: timedelta,
             weights: PriorityWeights = PriorityWeights()) -> Priority:
    """Score one case (``age`` is how long it has waited since its first report)."""
    if report_count < 1 or hash_matches < 0:
        raise InvalidInput("a case has at least one report and no negative match count")
    hours = max(age.total_seconds(), 0.0) / 3600
    parts = {
        "reports": min(weights.reports_cap, weights.per_report_doubling * math.log2(report_count)),
        "matches": 0.0 if hash_matches == 0 else min(
            weights.matches_cap, weights.first_match + weights.per_extra_match * (hash_matches - 1)),
        "age": min(weights.age_cap, weights.per_hour_waiting * hours),
    }
    score = int(round(min(100.0, sum(parts.values()))))
    reasons = []
    if parts["reports"]:
        reasons.append(f"{report_count} reports")
    if parts["matches"]:
        reasons.append(f"{hash_matches} hash match{'es' if hash_matches > 1 else ''}")
    if parts["age"] >= 1:
        reasons.append(f"waiting {hours:.0f} h")
    band = next(name for floor, name in BANDS if score >= floor)
    return Priority(score, band, reasons)
