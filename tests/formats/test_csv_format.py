"""The csv reader: tolerant of column order, BOM, quoting and CRLF; strict about headers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crowsnest.formats import HashRecord, ParsedRow, get_format
from crowsnest.formats.lines import MAX_LINE_BYTES

from format_samples import MD5, PDQ, SHA256


def read(data: bytes, default: str | None = None) -> list[ParsedRow]:
    return list(get_format("csv").read(io.BytesIO(data), default_signal_type=default))


def errors(rows: list[ParsedRow]) -> list[tuple[int, str]]:
    return [(r.line, r.error.detail["reason"]) for r in rows if r.error is not None]


def test_columns_in_any_order_with_optional_ones_missing_and_bom() -> None:
    data = ("\ufeffNote, VALUE ,labels,signal_type\r\n"
            f'"a, ""quoted"" note",{MD5[0].upper()}, A1 ; baseline ;;,md5\r\n'
            f",{PDQ[0]},,pdq\r\n").encode()
    rows = read(data)
    assert [r.record for r in rows] == [
        HashRecord("md5", MD5[0], labels=("A1", "baseline"), note='a, "quoted" note'),
        HashRecord("pdq", PDQ[0]),
    ]
    assert [r.line for r in rows] == [2, 3]


def test_default_signal_type_fills_a_missing_column_or_empty_cell() -> None:
    assert [r.record for r in read(f"value\n{SHA256[0]}\n".encode(), "sha256")] == [
        HashRecord("sha256", SHA256[0])]
    rows = read(f"signal_type,value\n,{SHA256[0]}\npdq,{PDQ[0]}\n".encode(), "sha256")
    assert [r.record for r in rows] == [HashRecord("sha256", SHA256[0]), HashRecord("pdq", PDQ[0])]


def test_multiline_record_reports_its_first_line_and_later_lines_count() -> None:
    data = (f'signal_type,value,note\nmd5,{MD5[0]},"two\nlines"\nmd5,nothex,\n'
            f"md5,{MD5[1]},\n").encode()
    rows = read(data)
    assert [r.line for r in rows] == [2, 4, 5]
    assert rows[0].record is not None and rows[0].record.note == "two\nlines"
    assert errors(rows) == [(4, "invalid_hash")]


@pytest.mark.parametrize("header, message", [
    (b"value,colour\n", "unknown column"),
    (b"signal_type,value,value\n", "duplicate column"),
    (b"signal_type,labels\n", "missing required column(s) value"),
    (b"value,labels\n", "missing required column(s) signal_type"),
    (b"\xffvalue,signal_type\n", "not valid UTF-8"),
])
def test_bad_header_is_one_line_1_error_and_nothing_else(header: bytes, message: str) -> None:
    rows = read(header + f"md5,{MD5[0]}\n".encode())
    assert len(rows) == 1 and rows[0].line == 1
    assert rows[0].error is not None and message in str(rows[0].error)
    assert str(rows[0].error).startswith("line 1: ")


def test_empty_file_and_header_only_file_have_no_rows() -> None:
    assert read(b"") == []
    assert read(b"signal_type,value\n") == []


def test_row_errors_are_reported_and_reading_continues() -> None:
    data = (b"signal_type,value,added_at\n"
            b"md5," + MD5[0].encode() + b",2024-05-01T12:00:00Z\n"
            b"md5\n"
            b"sha1,00,\n"
            b"md5," + MD5[1].encode() + b",not-a-date\n"
            b"md5,\"" + MD5[2].encode() + b"\"x,\n"
            b"md5,\xff\xfe,\n"
            b"\n"
            b"md5," + MD5[3].encode() + b",2024-05-01\n")
    rows = read(data)
    assert errors(rows) == [(3, "wrong_column_count"), (4, "unknown_signal_type"),
                            (5, "invalid_input"), (6, "bad_csv"), (7, "invalid_utf8")]
    assert [(r.line, r.record) for r in rows if r.ok] == [
        (2, HashRecord("md5", MD5[0], added_at=datetime(2024, 5, 1, 12, tzinfo=UTC))),
        (9, HashRecord("md5", MD5[3], added_at=datetime(2024, 5, 1, tzinfo=UTC))),
    ]


def test_unterminated_quote_names_the_line_it_opened_on() -> None:
    rows = read(f'signal_type,value,note\nmd5,{MD5[0]},"never closed\nmd5,{MD5[1]},\n'.encode())
    assert errors(rows) == [(2, "bad_csv")]
    assert "never closed" in str(rows[0].error)


def test_overlong_line_is_reported_without_reading_it_whole() -> None:
    data = (f"signal_type,value,note\nmd5,{MD5[0]},".encode() + b"x" * (MAX_LINE_BYTES + 5)
            + f"\nmd5,{MD5[1]},\n".encode())
    rows = read(data)
    assert errors(rows) == [(2, "line_too_long")]
    assert [r.record for r in rows if r.ok] == [HashRecord("md5", MD5[1])]


def test_writer_output_is_a_documented_header_and_rows() -> None:
    out = io.BytesIO()
    count = get_format("csv").write([
        HashRecord("md5", MD5[0], labels=("A1", "b 2"), note="x,y",
                   added_at=datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2)))),
    ], out)
    assert count == 1
    assert out.getvalue().decode() == (
        "signal_type,value,labels,source,external_id,note,added_at\r\n"
        f'md5,{MD5[0]},A1;b 2,,,"x,y",2024-05-01T12:00:00+02:00\r\n')



def test_blank_lines_before_the_header_are_skipped() -> None:
    rows = read(f"\n\r\nsignal_type,value\nmd5,{MD5[0]}\n".encode())
    assert [(r.line, r.record) for r in rows] == [(4, HashRecord("md5", MD5[0]))]
    rows = read(b"\n\nvalue\n")
    assert [(r.line, str(r.error)) for r in rows] == [
        (3, "line 3: missing required column(s) signal_type (or give a default signal type)")]
