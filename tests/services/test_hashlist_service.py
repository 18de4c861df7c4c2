"""Hash-list import/export: streaming chunks, atomic by default, skip-invalid, round trip."""

from __future__ import annotations

import io
import random

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crowsnest.core.errors import FormatError, NotFound, UnknownFormat
from crowsnest.db.models import BankEntry
from crowsnest.services import banks, hashlists
from hashes import random_pdq

HEADER = "signal_type,value,labels,source\n"


def csv_list(rows: list[str]) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode())


def entries(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(BankEntry)) or 0


@pytest.fixture
def values() -> list[str]:
    rng = random.Random(11)
    return [random_pdq(rng) for _ in range(250)]


def test_import_counts_and_merges(db_session: Session, values: list[str]) -> None:
    banks.create_bank(db_session, "b")
    banks.add_hash(db_session, "b", "pdq", values[0], labels=["old"])
    rows = [f"pdq,{v},new,list" for v in values] + [f"pdq,{values[1].upper()},dup,list"]
    seen: list[int] = []
    report = hashlists.import_hashlist(db_session, "b", csv_list(rows), filename="l.csv",
                                       chunk_size=64, progress=seen.append)
    assert (report.format, report.read, report.inserted, report.merged, report.skipped) == (
        "csv", 251, 249, 2, 0)
    assert seen[-1] == 251 and seen == sorted(seen)
    assert banks.find_entry(db_session, "b", "pdq", values[0]).labels == ["old", "new"]
    assert banks.find_entry(db_session, "b", "pdq", values[1]).labels == ["new", "dup"]
    assert entries(db_session) == 250


def test_bad_row_stops_the_import_and_nothing_is_written(
    db_session: Session, values: list[str],
) -> None:
    banks.create_bank(db_session, "b")
    banks.add_hash(db_session, "b", "pdq", values[0])
    rows = [f"pdq,{v},x,s" for v in values[1:201]] + ["pdq,not-a-hash,x,s"]
    # chunks of 50: four chunks are already flushed when the bad row (line 202) arrives
    with pytest.raises(FormatError) as raised:
        hashlists.import_hashlist(db_session, "b", csv_list(rows), format_name="csv",
                                  chunk_size=50)
    assert raised.value.line == 202 and "line 202" in raised.value.message
    assert entries(db_session) == 1
    assert banks.find_entry(db_session, "b", "pdq", values[0]).labels == []


@pytest.mark.parametrize("bad_row", [
    "pdq,abc,x,s",                       # too short
    f"pdq,{'g' * 64},x,s",               # not hex
    f"nosuchtype,{'a' * 64},x,s",        # unknown signal type
])
def test_every_kind_of_bad_row_is_refused(db_session: Session, bad_row: str) -> None:
    banks.create_bank(db_session, "b")
    with pytest.raises(FormatError) as raised:
        hashlists.import_hashlist(db_session, "b", csv_list([f"md5,{'a' * 32},,", bad_row]),
                                  format_name="csv")
    assert raised.value.line == 3
    assert entries(db_session) == 0


def test_skip_invalid_imports_good_rows_and_reports_every_bad_one(
    db_session: Session, values: list[str],
) -> None:
    banks.create_bank(db_session, "b")
    rows = [f"pdq,{values[0]},,", "pdq,zz,,", f"md5,{'b' * 32},,", f"sha256,{'c' * 63},,"]
    report = hashlists.import_hashlist(db_session, "b", csv_list(rows), format_name="csv",
                                       skip_invalid=True)
    assert (report.read, report.inserted, report.merged, report.skipped) == (4, 2, 0, 2)
    assert [e.line for e in report.errors] == [3, 5]
    assert all(e.message for e in report.errors)
    assert banks.get_bank(db_session, "b").entry_counts == {"pdq": 1, "md5": 1}


def test_skipped_rows_kept_in_the_report_are_capped_but_all_reach_the_callback(
    db_session: Session, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hashlists, "MAX_KEPT_ERRORS", 3)
    banks.create_bank(db_session, "b")
    seen: list[int] = []
    rows = ["md5,nothex,," for _ in range(5)] + [f"md5,{'d' * 32},,"]
    report = hashlists.import_hashlist(db_session, "b", csv_list(rows), format_name="csv",
                                       skip_invalid=True, on_error=lambda e: seen.append(e.line))
    assert seen == [2, 3, 4, 5, 6]
    assert [e.line for e in report.errors] == [2, 3, 4]
    assert report.errors_truncated and report.skipped == 5 and report.inserted == 1


def test_plain_list_needs_and_uses_the_default_signal_type(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    stream = io.BytesIO(("a" * 32 + "\n" + "B" * 32 + "\n").encode())
    report = hashlists.import_hashlist(db_session, "b", stream, format_name="plain",
                                       default_signal_type="md5")
    assert report.inserted == 2
    assert banks.find_entry(db_session, "b", "md5", "b" * 32).value == "b" * 32


def test_unknown_bank_and_format(db_session: Session) -> None:
    with pytest.raises(NotFound):
        hashlists.import_hashlist(db_session, "nope", csv_list([]), format_name="csv")
    banks.create_bank(db_session, "b")
    with pytest.raises(UnknownFormat):
        hashlists.import_hashlist(db_session, "b", csv_list([]), format_name="xml")
    with pytest.raises(UnknownFormat):
        hashlists.import_hashlist(db_session, "b", io.BytesIO(b"\x00\x01garbage"),
                                  filename="mystery.bin")


@pytest.mark.parametrize("format_name", ["csv", "jsonl"])
def test_export_round_trips(db_session: Session, values: list[str], format_name: str) -> None:
    banks.create_bank(db_session, "src")
    for i, value in enumerate(values[:30]):
        banks.add_hash(db_session, "src", "pdq", value, labels=[f"l{i % 3}", "all"],
                       source="s", external_id=str(i), note="n, with comma")
    banks.add_hash(db_session, "src", "md5", "d" * 32)
    disabled = banks.add_hash(db_session, "src", "md5", "e" * 32).entry
    banks.set_entry_enabled(db_session, disabled.id, False)
    out = io.BytesIO()
    assert hashlists.export_hashlist(db_session, "src", out, format_name=format_name) == 31
    banks.create_bank(db_session, "dst")
    out.seek(0)
    report = hashlists.import_hashlist(db_session, "dst", out, format_name=format_name)
    assert (report.inserted, report.skipped) == (31, 0)

    def shape(bank: str) -> list[tuple[object, ...]]:
        return sorted((e.signal_type, e.value, tuple(e.labels), e.source, e.external_id,
                       e.note, e.added_at) for e in banks.list_entries(db_session, bank)
                      if e.enabled)

    assert shape("src") == shape("dst")
    everything = io.BytesIO()
    assert hashlists.export_hashlist(db_session, "src", everything, format_name="te",
                                     include_disabled=True) == 32
