"""Format look-up by name, and detection by extension then by content."""

from __future__ import annotations

from pathlib import Path

import pytest

from crowsnest.core.errors import UnknownFormat
from crowsnest.formats import (
    HashRecord,
    all_formats,
    detect_format,
    detect_stream,
    get_format,
    read_path,
)

from format_samples import MD5, PDQ

CSV_HEAD = b"\xef\xbb\xbfsignal_type,value,labels\nmd5,abc,\n"
JSONL_HEAD = b'\n{"signal_type": "md5", "value": "abc"}\n'
TE_HEAD = b"# list\npdq " + PDQ[0].encode() + b"\n"
PLAIN_HEAD = b"# list\r\n" + MD5[0].encode() + b"\r\n"


def test_builtin_formats_are_registered_by_literal_name() -> None:
    assert {"csv", "jsonl", "te", "plain"} <= set(all_formats())
    for name, fmt in all_formats().items():
        assert fmt.name == name
    with pytest.raises(UnknownFormat, match="known: .*csv"):
        get_format("xlsx")


@pytest.mark.parametrize("filename, head, expected", [
    ("bank.csv", b"", "csv"),
    ("BANK.CSV", JSONL_HEAD, "csv"),        # an unambiguous extension wins
    ("bank.jsonl", b"", "jsonl"),
    ("bank.ndjson", b"", "jsonl"),
    ("bank.te", b"", "te"),
    ("hashes.md5", b"", "plain"),
    ("hashes.txt", TE_HEAD, "te"),          # .txt is claimed by te and plain: sniff decides
    ("hashes.txt", PLAIN_HEAD, "plain"),
    ("export", CSV_HEAD, "csv"),            # no known extension: sniff among all formats
    ("export", b"\r\n" + CSV_HEAD[3:], "csv"),
    ("export", JSONL_HEAD, "jsonl"),
    ("export.dat", TE_HEAD, "te"),
    ("-", PLAIN_HEAD, "plain"),
])
def test_detect_format(filename: str, head: bytes, expected: str) -> None:
    assert detect_format(filename, head) == expected


@pytest.mark.parametrize("filename, head", [
    ("hashes.txt", b"signal_type,value\n"),      # .txt candidates te/plain: neither fits
    ("export", b"hello world, how are you\n"),
    ("export", b""),
])
def test_undetectable_file_raises_naming_the_choices(filename: str, head: bytes) -> None:
    with pytest.raises(UnknownFormat, match="choose"):
        detect_format(filename, head)


def test_ambiguous_file_raises_listing_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    # a third-party format that also sniffs hex lines makes a bare list ambiguous
    te = get_format("te")
    monkeypatch.setattr(type(te), "sniff", lambda self, head: True)
    with pytest.raises(UnknownFormat, match="could be any of plain, te") as caught:
        detect_format("hashes.txt", PLAIN_HEAD)
    assert caught.value.detail == {"candidates": ["plain", "te"]}


def test_read_path_detects_and_streams(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(TE_HEAD + b"md5 " + MD5[0].encode() + b"\n")
    rows = list(read_path(path))
    assert [r.record for r in rows] == [HashRecord("pdq", PDQ[0]), HashRecord("md5", MD5[0])]
    rows = list(read_path(path, format_name="plain", default_signal_type="md5"))
    assert [r.line for r in rows if not r.ok] == [2, 3]


def test_detect_stream_keeps_the_head_of_an_unseekable_stream() -> None:
    import io

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            chunk = self._data.read(min(len(buffer), 7))  # short reads, like a pipe
            buffer[: len(chunk)] = chunk
            return len(chunk)

    body = b"".join(b"pdq " + PDQ[0].encode() + b"\n" for _ in range(20_000))
    name, stream = detect_stream("-", Pipe(TE_HEAD + body))  # type: ignore[arg-type]
    assert name == "te"
    rows = list(get_format(name).read(stream))
    assert len(rows) == 20_001 and all(r.ok for r in rows)

    seekable = io.BytesIO(PLAIN_HEAD)
    name, same = detect_stream("upload", seekable)
    assert (name, same, same.tell()) == ("plain", seekable, 0)
