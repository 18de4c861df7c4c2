"""Conformance suite for hash-list format plug-ins (pytest).

A format plug-in -- built in or third party -- proves it honours the contract of
:class:`crowsnest.formats.HashListFormat` by subclassing :class:`FormatConformance` in its
own tests and providing two fixtures::

    from crowsnest.testing.formats import FormatConformance

    class TestMyFormat(FormatConformance):
        @pytest.fixture
        def hash_format(self):
            return MyFormat()

        @pytest.fixture
        def records(self):
            return [HashRecord("md5", "0" * 32), ...]   # at least three, valid hashes

Optional fixtures: ``bad_lines`` (raw lines the reader must reject; by default one line
of invalid UTF-8) and ``default_signal_type``. The suite checks: registration under the
declared name, round trip, counts, prefix-stable writing, physical line numbers, a BOM,
lazy (streaming) reading, and that a bad line yields an error row and reading continues.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from crowsnest.core.errors import FormatError, UnknownSignalType
from crowsnest.formats import HashListFormat, HashRecord, ParsedRow, get_format

#: Bytes a streaming reader may pull before yielding its first rows (buffering allowance).
STREAM_BUDGET = 4 << 20


class BudgetedStream(io.RawIOBase):
    """A very long virtual file (``head`` then ``body`` repeated) that fails when a reader
    pulls more than ``budget`` bytes -- i.e. when it does not stream."""

    def __init__(self, head: bytes, body: bytes, repeat: int, budget: int) -> None:
        super().__init__()
        self._chunks = self._generate(head, body, repeat)
        self._pending = b""
        self.consumed = 0
        self.budget = budget

    @staticmethod
    def _generate(head: bytes, body: bytes, repeat: int) -> Iterator[bytes]:
        yield head
        block = body * max(1, 65536 // max(1, len(body)))
        per_block = len(block) // len(body)
        for _ in range(repeat // per_block + 1):
            yield block

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.consumed += n
        if self.consumed > self.budget:
            raise AssertionError(f"reader pulled over {self.budget} bytes before yielding a "
                                 "handful of rows: it does not stream")
        return n


def write_bytes(fmt: HashListFormat, records: list[HashRecord]) -> bytes:
    """What ``fmt`` writes for ``records``, checking the returned count."""
    out = io.BytesIO()
    assert fmt.write(iter(records), out) == len(records)
    return out.getvalue()


def read_bytes(fmt: HashListFormat, data: bytes, default: str | None) -> list[ParsedRow]:
    """Every row ``fmt`` reads from ``data``."""
    return list(fmt.read(io.BytesIO(data), default_signal_type=default))


class FormatConformance:
    """Base class of the conformance tests; see the module docstring for the fixtures."""

    @pytest.fixture
    def hash_format(self) -> HashListFormat:
        raise NotImplementedError("provide a 'hash_format' fixture")

    @pytest.fixture
    def records(self) -> list[HashRecord]:
        raise NotImplementedError("provide a 'records' fixture (at least three records)")

    @pytest.fixture
    def bad_lines(self) -> list[bytes]:
        return [b"\xff\xfe\xfd not UTF-8\n"]

    @pytest.fixture
    def default_signal_type(
        self, hash_format: HashListFormat, records: list[HashRecord]
    ) -> str | None:
        return records[0].signal_type if hash_format.single_signal_type else None

    def test_registered_under_its_declared_name(self, hash_format: HashListFormat) -> None:
        assert isinstance(hash_format.name, str) and hash_format.name
        assert type(get_format(hash_format.name)) is type(hash_format)
        assert hash_format.description.strip()
        assert all(e.startswith(".") and e == e.lower() for e in hash_format.extensions)

    def test_round_trip(self, hash_format: HashListFormat, records: list[HashRecord],
                        default_signal_type: str | None) -> None:
        assert len(records) >= 3, "give at least three records"
        rows = read_bytes(hash_format, write_bytes(hash_format, records), default_signal_type)
        assert [r.error for r in rows] == [None] * len(rows)
        assert [r.record for r in rows] == [hash_format.project(r) for r in records]

    def test_empty_list_round_trips(self, hash_format: HashListFormat,
                                    default_signal_type: str | None) -> None:
        assert read_bytes(hash_format, write_bytes(hash_format, []), default_signal_type) == []

    def test_writing_is_prefix_stable(self, hash_format: HashListFormat,
                                      records: list[HashRecord]) -> None:
        whole = write_bytes(hash_format, records)
        for k in range(len(records)):
            assert whole.startswith(write_bytes(hash_format, records[:k]))

    def test_line_numbers_are_physical_lines(
        self, hash_format: HashListFormat, records: list[HashRecord],
        default_signal_type: str | None,
    ) -> None:
        expected = [write_bytes(hash_format, records[:k]).count(b"\n") + 1
                    for k in range(len(records))]
        rows = read_bytes(hash_format, write_bytes(hash_format, records), default_signal_type)
        assert [r.line for r in rows] == expected

    def test_byte_order_mark_is_ignored(
        self, hash_format: HashListFormat, records: list[HashRecord],
        default_signal_type: str | None,
    ) -> None:
        data = b"\xef\xbb\xbf" + write_bytes(hash_format, records)
        rows = read_bytes(hash_format, data, default_signal_type)
        assert [r.record for r in rows] == [hash_format.project(r) for r in records]

    def test_reads_lazily(self, hash_format: HashListFormat, records: list[HashRecord],
                          default_signal_type: str | None) -> None:
        one = write_bytes(hash_format, records[:1])
        two = write_bytes(hash_format, records[:1] * 2)
        body = two[len(one):]
        assert body and one.endswith(body)
        head = one[: len(one) - len(body)]
        raw = BudgetedStream(head, body, repeat=(256 << 20) // len(body), budget=STREAM_BUDGET)
        rows = hash_format.read(io.BufferedReader(raw), default_signal_type=default_signal_type)
        taken = [next(rows) for _ in range(5)]
        rows.close()  # type: ignore[attr-defined]
        assert [r.record for r in taken] == [hash_format.project(records[0])] * 5
        assert raw.consumed <= STREAM_BUDGET

    def test_bad_line_is_reported_and_reading_continues(
        self, hash_format: HashListFormat, records: list[HashRecord],
        bad_lines: list[bytes], default_signal_type: str | None,
    ) -> None:
        whole = write_bytes(hash_format, records)
        cut = len(records) // 2
        prefix = write_bytes(hash_format, records[:cut])
        for bad in bad_lines:
            data = prefix + bad + whole[len(prefix):]
            rows = read_bytes(hash_format, data, default_signal_type)
            errors = [r for r in rows if not r.ok]
            assert len(errors) == 1, (bad, errors)
            error = errors[0].error
            assert isinstance(error, FormatError)
            assert errors[0].line == error.line == prefix.count(b"\n") + 1
            assert f"line {error.line}" in str(error)
            good = [r.record for r in rows if r.ok]
            assert good == [hash_format.project(r) for r in records]

    def test_unknown_default_signal_type_is_refused(
        self, hash_format: HashListFormat, records: list[HashRecord],
    ) -> None:
        rows = hash_format.read(io.BytesIO(write_bytes(hash_format, records)),
                                default_signal_type="no-such-signal-type")
        with pytest.raises(UnknownSignalType):
            next(iter(rows))
