"""Small statistics for hotline reports: median and percentiles of durations.

Percentiles use linear interpolation between closest ranks (the common "type 7"
definition, as spreadsheets and numpy default to), so figures match what an analyst gets
from an exported CSV.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from crowsnest.core.errors import InvalidInput


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) of ``values``; None when there are none."""
    if not 0 <= q <= 100:
        raise InvalidInput("a percentile lies between 0 and 100")
    data: Sequence[float] = sorted(float(v) for v in values)
    if not data:
        return None
    if any(math.isnan(v) for v in data):
        raise InvalidInput("durations must be numbers")
    rank = (len(data) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


def summary(values: Iterable[float]) -> dict[str, float | int | None]:
    """Count, median and 90th percentile of ``values`` (e.g. hours to removal)."""
    data = list(values)
    return {"count": len(data), "median": percentile(data, 50), "p90": percentile(data, 90)}
