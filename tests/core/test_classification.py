"""Classification schemes are registered plug-ins with validated values."""

from __future__ import annotations

import pytest

from crowsnest.core.classification import parse_label, scheme, schemes
from crowsnest.core.errors import InvalidInput


def test_builtin_schemes_are_registered_by_entry_point() -> None:
    assert set(schemes()) >= {"inhope", "uk", "industry"}
    assert scheme("industry").values == ("A1", "A2", "B1", "B2")
    assert scheme("uk").values == ("A", "B", "C")
    assert scheme("inhope").values == ("baseline", "national", "not_illegal")


@pytest.mark.parametrize(("name", "typed", "canonical"), [
    ("industry", "a1", "A1"), ("industry", " B2 ", "B2"), ("uk", "c", "C"),
    ("inhope", "Baseline", "baseline"), ("inhope", "not illegal", "not_illegal"),
    ("inhope", "NOT-ILLEGAL", "not_illegal"),
])
def test_values_validate_to_their_canonical_spelling(name: str, typed: str, canonical: str) -> None:
    assert scheme(name).validate(typed) == canonical
    assert scheme(name).label(typed) == f"{name}:{canonical}"


def test_actionable_values() -> None:
    assert scheme("inhope").is_actionable("national")
    assert not scheme("inhope").is_actionable("not_illegal")
    assert all(scheme("industry").is_actionable(v) for v in ("A1", "A2", "B1", "B2"))
    assert scheme("uk").describe()["actionable"] == ["A", "B", "C"]


@pytest.mark.parametrize(("name", "value"), [("industry", "A3"), ("uk", "D"), ("inhope", ""),
                                             ("industry", None)])
def test_unknown_values_are_refused(name: str, value: object) -> None:
    with pytest.raises(InvalidInput, match="is not a value"):
        scheme(name).validate(value)  # type: ignore[arg-type]


def test_labels_and_unknown_schemes() -> None:
    assert parse_label("industry:a2") == ("industry", "A2")
    with pytest.raises(InvalidInput, match="unknown classification scheme"):
        scheme("nope")
    with pytest.raises(InvalidInput, match="scheme:value"):
        parse_label("A1")
