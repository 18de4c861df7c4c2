"""The ``csv`` hash-list format: a header row, then one record per row.

Columns (any order; only ``value`` -- and ``signal_type`` unless a default signal type is
given -- are required): ``signal_type,value,labels,source,external_id,note,added_at``.
``labels`` holds labels separated by ``;`` (spaces around each label are ignored);
``added_at`` is ISO 8601. Empty cells mean "not given". Fields may be quoted (RFC 4180),
so a note can hold commas, quotes or line breaks. A UTF-8 BOM is accepted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from crowsnest.formats.base import FIELDS, HashListFormat, HashRecord, ParsedRow
from crowsnest.formats.lines import (
    MAX_LINE_BYTES,
    TOO_LONG,
    RecordBuilder,
    format_datetime,
    iter_lines,
    line_error,
    too_long_error,
)

LABEL_SEPARATOR = ";"


class _Source:
    """Feeds csv.reader decoded lines, remembering where each record starts.

    Invalid UTF-8 is decoded with ``surrogateescape`` so the csv parser keeps going; rows
    holding escaped bytes are reported afterwards. Over-long lines become an empty line
    and are reported by number.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._lines = iter_lines(stream)
        self.line = 0
        self.too_long: list[int] = []

    def __iter__(self) -> _Source:
        return self

    def __next__(self) -> str:
        self.line, raw = next(self._lines)
        if raw is TOO_LONG:
            self.too_long.append(self.line)
            return "\n"
        assert isinstance(raw, bytes)
        return raw.decode("utf-8", "surrogateescape")


def _has_escaped_bytes(cells: list[str]) -> bool:
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class CsvFormat(HashListFormat):
    """Comma-separated values with a header; keeps every field."""

    name = "csv"
    description = "CSV with a header: signal_type,value,labels,source,external_id,note,added_at"
    extensions = (".csv",)

    def read(
        self, stream: BinaryIO, *, default_signal_type: str | None = None
    ) -> Iterator[ParsedRow]:
        builder = RecordBuilder(default_signal_type)
        if csv.field_size_limit() < MAX_LINE_BYTES:
            # process-wide setting; long vPDQ values need more than the 128 KiB default
            csv.field_size_limit(MAX_LINE_BYTES)
        source = _Source(stream)
        reader = csv.reader(source, strict=True)
        header: list[str] = []
        while not header:  # blank lines before the header are skipped like any others
            try:
                header = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line_error(source.line, f"header row is not valid CSV: {exc}",
                                 "bad_header")
                return
        columns = self._check_header(header, source.line, default_signal_type is not None)
        if isinstance(columns, ParsedRow):
            yield columns
            return
        yield from self._rows(reader, source, columns, builder)

    def _check_header(
        self, header: list[str], line: int, has_default: bool
    ) -> list[str] | ParsedRow:
        if _has_escaped_bytes(header):
            return line_error(line, "header row is not valid UTF-8", "invalid_utf8")
        columns = [cell.strip().lower() for cell in header]
        unknown = [c for c in columns if c not in FIELDS]
        if unknown:
            return line_error(line, f"unknown column(s) {', '.join(map(repr, unknown))} "
                                 f"(known: {', '.join(FIELDS)})", "bad_header")
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        if duplicated:
            return line_error(line, f"duplicate column(s) {', '.join(duplicated)}", "bad_header")
        required = ["value"] if has_default else ["signal_type", "value"]
        missing = [c for c in required if c not in columns]
        if missing:
            return line_error(line, f"missing required column(s) {', '.join(missing)}"
                                 + ("" if has_default else " (or give a default signal type)"),
                              "bad_header")
        return columns

    def _rows(
        self, reader: Iterator[list[str]], source: _Source, columns: list[str],
        builder: RecordBuilder,
    ) -> Iterator[ParsedRow]:
        while True:
            start = source.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                reason = str(exc)
                if reason == "unexpected end of data":
                    # the quote swallowed every later line, so say where it opened
                    reason = "a quoted field opened on this line is never closed"
                yield line_error(start, f"not valid CSV: {reason}", "bad_csv")
                continue
            if source.too_long and source.too_long[-1] >= start:
                bad, source.too_long = source.too_long[-1], []
                yield too_long_error(bad)
                continue
            if not cells:
                continue  # blank line
            if _has_escaped_bytes(cells):
                yield line_error(start, "not valid UTF-8", "invalid_utf8")
            elif len(cells) != len(columns):
                yield line_error(start, f"expected {len(columns)} columns, found {len(cells)}",
                                 "wrong_column_count")
            else:
                yield self._record(start, dict(zip(columns, cells)), builder)

    @staticmethod
    def _record(start: int, row: dict[str, str], builder: RecordBuilder) -> ParsedRow:
        labels = [p.strip() for p in row.get("labels", "").split(LABEL_SEPARATOR)]
        return builder.build(
            start,
            signal_type=row.get("signal_type"),
            value=row["value"],
            labels=[label for label in labels if label],
            source=row.get("source") or None,
            external_id=row.get("external_id") or None,
            note=row.get("note") or None,
            added_at=row.get("added_at", "").strip() or None,
        )

    def write(self, records: Iterable[HashRecord], stream: BinaryIO) -> int:
        text = io.StringIO()
        # "\r\n" (RFC 4180) also makes the writer quote a bare "\r" inside a field
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(FIELDS)
        count = 0
        for record in records:
            writer.writerow((
                record.signal_type, record.value, LABEL_SEPARATOR.join(record.labels),
                record.source or "", record.external_id or "", record.note or "",
                format_datetime(record.added_at) or "",
            ))
            count += 1
            if text.tell() > 1 << 16:
                stream.write(text.getvalue().encode("utf-8"))
                text.seek(0)
                text.truncate()
        stream.write(text.getvalue().encode("utf-8"))
        return count

    def sniff(self, head: bytes) -> bool:
        lines = [line for line in head.removeprefix(b"\xef\xbb\xbf").splitlines() if line.strip()]
        first = lines[0] if lines else b""
        cells = [c.strip(b' \r"').lower() for c in first.split(b",")]
        return b"value" in cells and all(c.decode("ascii", "replace") in FIELDS for c in cells)
