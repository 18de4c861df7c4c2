"""Case workflow transitions and duration statistics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowsnest.core.errors import Conflict, InvalidInput
from crowsnest.core.stats import percentile, summary
from crowsnest.core.workflow import STATUSES, TRANSITIONS, next_steps, public_status, transition


def test_happy_path_to_removal() -> None:
    path = ["new", "in_assessment", "assessed", "actioned", "awaiting_removal", "removed"]
    outcome = None
    for current, new in zip(path, path[1:]):
        _, outcome = transition(current, new)
    assert outcome == "removed"
    assert [public_status(s) for s in path] == ["received", "received", "assessed", "assessed",
                                                "assessed", "closed"]


def test_closing_needs_an_outcome_and_reopening_clears_it() -> None:
    assert transition("in_assessment", "closed", "not_illegal") == ("closed", "not_illegal")
    assert transition("new", "closed", "duplicate") == ("closed", "duplicate")
    assert transition("closed", "in_assessment") == ("in_assessment", None)
    with pytest.raises(InvalidInput, match="needs an outcome"):
        transition("assessed", "closed")
    with pytest.raises(InvalidInput):
        transition("assessed", "closed", "removed")
    with pytest.raises(InvalidInput):
        transition("assessed", "closed", "whatever")
    with pytest.raises(InvalidInput):
        transition("new", "in_assessment", "duplicate")


def test_forbidden_jumps_are_conflicts() -> None:
    with pytest.raises(Conflict) as caught:
        transition("new", "removed")
    assert caught.value.http_status == 409 and "in_assessment" in caught.value.detail["allowed"]
    with pytest.raises(InvalidInput):
        transition("new", "flying")
    assert set(TRANSITIONS) == set(STATUSES)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50),
       st.floats(0, 100))
def test_percentile_matches_numpy(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-9)


def test_summary() -> None:
    assert summary([]) == {"count": 0, "median": None, "p90": None}
    assert summary([1, 2, 3, 4, 100]) == {"count": 5, "median": 3.0, "p90": pytest.approx(61.6)}
    with pytest.raises(InvalidInput):
        percentile([1], 101)


def test_next_steps_put_the_usual_step_first() -> None:
    assert next_steps("new") == ["in_assessment", "closed"]
    assert next_steps("in_assessment") == ["assessed", "closed", "new"]
    assert next_steps("actioned") == ["awaiting_removal", "removed", "closed"]
    assert next_steps("closed") == ["in_assessment"]
    for status, targets in TRANSITIONS.items():
        assert sorted(next_steps(status)) == sorted(targets)
