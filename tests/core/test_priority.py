"""Priority grows with reports, matches and age, and stays within 0..100."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowsnest.core.errors import InvalidInput
from crowsnest.core.priority import priority

ZERO = timedelta(0)


def test_single_fresh_report_is_low() -> None:
    p = priority(1, 0, ZERO)
    assert (p.score, p.band, p.reasons) == (0, "low", [])


def test_each_signal_raises_the_score() -> None:
    base = priority(1, 0, timedelta(hours=1)).score
    assert priority(4, 0, timedelta(hours=1)).score > base
    assert priority(1, 1, timedelta(hours=1)).score > priority(8, 0, timedelta(hours=1)).score
    assert priority(1, 0, timedelta(hours=30)).score > base
    urgent = priority(16, 3, timedelta(days=3))
    assert urgent.band == "urgent" and urgent.reasons == ["16 reports", "3 hash matches", "waiting 72 h"]


@given(st.integers(1, 10**6), st.integers(0, 10**4), st.integers(-10**6, 10**8),
       st.integers(1, 100), st.integers(0, 100))
def test_bounded_and_monotonic(reports: int, matches: int, seconds: int, more_r: int, more_m: int) -> None:
    age = timedelta(seconds=seconds)
    score = priority(reports, matches, age).score
    assert 0 <= score <= 100
    assert priority(reports + more_r, matches + more_m, age + timedelta(hours=1)).score >= score


def test_invalid_counts() -> None:
    with pytest.raises(InvalidInput):
        priority(0, 0, ZERO)
    with pytest.raises(InvalidInput):
        priority(1, -1, ZERO)
