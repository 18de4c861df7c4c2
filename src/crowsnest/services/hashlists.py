"""Hash-list import and export: streaming, chunked, and atomic by default.

Import reads rows from a format plug-in one at a time and writes them in chunks inside
ONE savepoint, so memory stays flat for a 10-million-row file and a failure leaves the
bank exactly as it was:

* default (atomic): the first bad row raises :class:`FormatError` naming its line; the
  savepoint is rolled back and nothing of the file is written;
* ``skip_invalid=True``: good rows are imported and every bad row is reported (line and
  message) in the :class:`ImportReport`.

A row is bad when the format cannot parse it, its signal type is unknown, or its value is
not a valid hash of that type. Duplicates (within the file or of stored entries) merge.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from sqlalchemy.orm import Session

from crowsnest.core.errors import CrowsnestError, FormatError
from crowsnest.db.repositories import entries as entry_repo
from crowsnest.db.repositories.entries import EntryData
from crowsnest.formats import SNIFF_BYTES, HashListFormat, HashRecord, detect_format, get_format
from crowsnest.services.banks import canonical_value, normalise_labels, require_bank

CHUNK_SIZE = 2_000
#: Rows inserted before the first statistics refresh; each later one waits for 4x as many.
FIRST_ANALYZE = 10_000


@dataclass(frozen=True)
class RowError:
    """A row that could not be imported."""

    line: int
    message: str


@dataclass
class ImportReport:
    """Counts of an import: rows read, new entries, rows merged into existing entries,
    bad rows skipped. ``errors`` keeps the first :data:`MAX_KEPT_ERRORS` bad rows (a
    10-million-row list of bad rows must not fill memory); ``errors_truncated`` says when
    more were skipped. Callers that must see every bad row pass ``on_error``."""

    bank: str
    format: str
    read: int = 0
    inserted: int = 0
    merged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return asdict(self)


ProgressCallback = Callable[[int], None]
ErrorCallback = Callable[[RowError], None]

#: Bad rows kept in an :class:`ImportReport`; the rest only reach ``on_error``.
MAX_KEPT_ERRORS = 1000


def _choose_format(
    stream: IO[bytes], format_name: str | None, filename: str | None
) -> tuple[HashListFormat, IO[bytes]]:
    """The named format, or one detected from the file name and first bytes."""
    if format_name:
        return get_format(format_name), stream
    if stream.seekable():
        start = stream.tell()
        head = stream.read(SNIFF_BYTES)
        stream.seek(start)
    else:  # a pipe: look ahead through a buffer instead of seeking back
        stream = io.BufferedReader(stream, SNIFF_BYTES)  # type: ignore[arg-type]
        head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    return get_format(detect_format(filename or "", head)), stream


def _entry_from(record: HashRecord, line: int, added_by: str | None) -> EntryData:
    """Validate one parsed record into an entry; FormatError naming ``line`` if invalid."""
    try:
        _, value = canonical_value(record.signal_type, record.value)
        labels = normalise_labels(record.labels)
    except CrowsnestError as error:
        raise FormatError(error.message, line=line) from error
    return EntryData(record.signal_type, value, labels, record.source, record.external_id,
                     record.note, record.added_at, added_by)


def _rows(
    fmt: HashListFormat, stream: IO[bytes], default_signal_type: str | None,
    added_by: str | None, report: ImportReport, skip_invalid: bool,
    on_error: ErrorCallback | None = None,
) -> Iterator[EntryData]:
    """Valid entries in file order; bad rows raise (atomic) or are recorded (skip)."""
    for row in fmt.read(stream, default_signal_type=default_signal_type):
        report.read += 1
        try:
            yield _entry_from(row.unwrap(), row.line, added_by)
        except FormatError as error:
            if not skip_invalid:
                raise
            report.skipped += 1
            bad = RowError(error.line or row.line, error.message)
            if len(report.errors) < MAX_KEPT_ERRORS:
                report.errors.append(bad)
            else:
                report.errors_truncated = True
            if on_error is not None:
                on_error(bad)


def import_hashlist(
    session: Session, bank: str, stream: IO[bytes], *, format_name: str | None = None,
    filename: str | None = None, default_signal_type: str | None = None,
    skip_invalid: bool = False, added_by: str | None = None,
    chunk_size: int = CHUNK_SIZE, progress: ProgressCallback | None = None,
    on_error: ErrorCallback | None = None,
) -> ImportReport:
    """Import a hash list into ``bank`` (see the module docstring for the atomicity rules).

    ``progress`` is called after every chunk with the number of rows read so far;
    ``on_error`` with every bad row skipped under ``skip_invalid``.
    """
    row = require_bank(session, bank)
    fmt, stream = _choose_format(stream, format_name, filename)
    report = ImportReport(row.name, fmt.name)
    next_analyze = FIRST_ANALYZE
    with session.begin_nested():  # rolled back on any exception: nothing half-written
        chunk: list[EntryData] = []
        for entry in _rows(fmt, stream, default_signal_type, added_by, report, skip_invalid,
                           on_error):
            chunk.append(entry)
            if len(chunk) >= chunk_size:
                _write(session, row.id, chunk, report, progress)
                if report.inserted >= next_analyze:
                    entry_repo.refresh_statistics(session)
                    next_analyze = report.inserted * 4
        _write(session, row.id, chunk, report, progress)
    return report


def _write(
    session: Session, bank_id: int, chunk: list[EntryData], report: ImportReport,
    progress: ProgressCallback | None,
) -> None:
    if chunk:
        inserted, merged = entry_repo.upsert_chunk(session, bank_id, chunk)
        report.inserted += inserted
        report.merged += merged
        chunk.clear()
    if progress is not None:
        progress(report.read)


def export_hashlist(
    session: Session, bank: str, stream: IO[bytes], *, format_name: str = "csv",
    signal_type: str | None = None, include_disabled: bool = False,
) -> int:
    """Write a bank's entries (enabled ones unless ``include_disabled``); returns the count.

    Streams from the database, so exporting a large bank keeps memory flat.
    """
    row = require_bank(session, bank)
    fmt = get_format(format_name)
    records = (
        HashRecord(
            signal_type=e.signal_type, value=e.value, labels=list(e.labels or []),
            source=e.source, external_id=e.external_id, note=e.note, added_at=e.added_at,
        )
        for e in entry_repo.iter_bank(session, row.id, signal_type=signal_type,
                                      include_disabled=include_disabled)
    )
    return int(fmt.write(records, stream))
