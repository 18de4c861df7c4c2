"""Property tests: every format round-trips generated records, and no input makes a
reader raise -- bad bytes only ever become error rows with sane line numbers."""

from __future__ import annotations

import io
import json
from datetime import UTC, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from crowsnest.formats import HashRecord, get_format

DIGITS = {"md5": 16, "sha256": 32, "pdq": 32}  # bytes per value

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=40)
LABEL = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";"),
                min_size=1, max_size=12).filter(lambda s: s == s.strip())
ZONES = st.just(UTC) | st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
WHEN = st.none() | st.datetimes(timezones=ZONES) | st.datetimes()


FRAME = st.tuples(st.binary(min_size=32, max_size=32), st.integers(0, 100),
                  st.integers(0, 10**7)).map(lambda f: f"{f[0].hex()},{f[1]},{f[2] / 1000:.3f}")
# canonical vPDQ text: a JSON list of frame strings, which holds spaces, commas and quotes
VPDQ = st.lists(FRAME, min_size=1, max_size=4).map(json.dumps)
KINDS = sorted(DIGITS) + ["vpdq"]


def values(kind: str) -> st.SearchStrategy[str]:
    if kind == "vpdq":
        return VPDQ
    return st.binary(min_size=DIGITS[kind], max_size=DIGITS[kind]).map(bytes.hex)


@st.composite
def records(draw: st.DrawFn, signal_type: str | None = None) -> HashRecord:
    kind = signal_type or draw(st.sampled_from(KINDS))
    return HashRecord(
        kind,
        draw(values(kind)),
        labels=tuple(draw(st.lists(LABEL, max_size=3))),
        source=draw(st.none() | TEXT),
        external_id=draw(st.none() | TEXT),
        note=draw(st.none() | TEXT),
        added_at=draw(WHEN),
    )


def round_trip(name: str, items: list[HashRecord], default: str | None = None) -> None:
    fmt = get_format(name)
    out = io.BytesIO()
    assert fmt.write(items, out) == len(items)
    rows = list(fmt.read(io.BytesIO(out.getvalue()), default_signal_type=default))
    assert [r.error for r in rows] == [None] * len(rows)
    assert [r.record for r in rows] == [fmt.project(r) for r in items]
    assert all(fmt.project(r).added_at is None or fmt.project(r).added_at.tzinfo for r in items)


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=8))
def test_csv_round_trip(items: list[HashRecord]) -> None:
    round_trip("csv", items)


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=8))
def test_jsonl_round_trip(items: list[HashRecord]) -> None:
    round_trip("jsonl", items)


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), max_size=8))
def test_te_round_trip_keeps_type_and_value(items: list[HashRecord]) -> None:
    round_trip("te", items)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(KINDS).flatmap(
    lambda kind: st.tuples(st.just(kind), st.lists(records(kind), max_size=8))))
def test_plain_round_trip_for_its_signal_type(case: tuple[str, list[HashRecord]]) -> None:
    kind, items = case
    round_trip("plain", items, default=kind)


LINEISH = st.lists(st.sampled_from([
    b"md5,", b"pdq ", b"sha256", b"signal_type,value\n", b'"', b",", b"\n", b"\r\n", b"\xff",
    b"{", b"}", b'"value":', b"#", b" ", b"d41d8cd98f00b204e9800998ecf8427e", b"\x00",
    b"\xef\xbb\xbf", b";", b"[]", b"null",
]), max_size=30).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["csv", "jsonl", "te", "plain"]), LINEISH | st.binary(max_size=200),
       st.sampled_from([None, "md5"]))
def test_readers_never_raise_on_arbitrary_bytes(name: str, data: bytes,
                                                default: str | None) -> None:
    rows = list(get_format(name).read(io.BytesIO(data), default_signal_type=default))
    lines = data.count(b"\n") + 1
    previous = 0
    for row in rows:
        assert previous < row.line <= lines
        previous = row.line
        if row.error is not None:
            assert row.error.line == row.line and str(row.error).startswith(f"line {row.line}: ")
