"""HashRecord normalises to one canonical shape and refuses what no format can carry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crowsnest.core.errors import FormatError, InvalidInput
from crowsnest.formats import HashRecord, ParsedRow


def test_record_normalises_labels_empty_strings_and_naive_times() -> None:
    labels: list[str] = ["b", "a", "b"]
    record = HashRecord("md5", "ab", labels=labels, source="", note="",  # type: ignore[arg-type]
                        external_id="", added_at=datetime(2024, 1, 1))
    assert record.labels == ("b", "a")
    assert record.source is record.note is record.external_id is None
    assert record.added_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert record.added_at.tzinfo is UTC


@pytest.mark.parametrize("labels", [("",), (" A1",), ("a;b",), ("a\nb",), ("nul\x00",),
                                    "A1", (1,)])
def test_record_refuses_labels_no_format_can_carry(labels: object) -> None:
    with pytest.raises(InvalidInput):
        HashRecord("md5", "ab", labels=labels)  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs", [{"signal_type": ""}, {"value": ""}, {"note": "a\x00b"},
                                    {"source": "\ud800"}, {"external_id": 7},
                                    {"added_at": "2024-01-01"}])
def test_record_refuses_unstorable_text(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {"signal_type": "md5", "value": "ab", **kwargs}
    with pytest.raises(InvalidInput):
        HashRecord(**fields)  # type: ignore[arg-type]


def test_parsed_row_holds_exactly_one_of_record_and_error() -> None:
    record = HashRecord("md5", "ab")
    assert ParsedRow(3, record=record).unwrap() is record
    error = FormatError("bad", line=4)
    row = ParsedRow(4, error=error)
    assert not row.ok
    with pytest.raises(FormatError, match="line 4: bad"):
        row.unwrap()
    with pytest.raises(ValueError):
        ParsedRow(1)
    with pytest.raises(ValueError):
        ParsedRow(1, record=record, error=error)
