"""The te (``signal_type hash``) and plain (one hash per line) readers and writers."""

from __future__ import annotations

import io

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.formats import HashRecord, ParsedRow, get_format

from format_samples import MD5, PDQ, SHA256, VPDQ


def read(name: str, data: bytes, default: str | None = None) -> list[ParsedRow]:
    return list(get_format(name).read(io.BytesIO(data), default_signal_type=default))


def reasons(rows: list[ParsedRow]) -> list[tuple[int, str]]:
    return [(r.line, r.error.detail["reason"]) for r in rows if r.error is not None]


def test_te_reads_threatexchange_lines_comments_tabs_and_aliases() -> None:
    data = (f"# exported list\r\n\r\nPDQ\t{PDQ[0].upper()}\r\n"
            f"video_md5 {MD5[0]}\n  sha256   {SHA256[0]}  \n").encode()
    rows = read("te", data)
    assert [(r.line, r.record) for r in rows] == [
        (3, HashRecord("pdq", PDQ[0])), (4, HashRecord("md5", MD5[0])),
        (5, HashRecord("sha256", SHA256[0]))]


def test_te_value_is_the_rest_of_the_line_as_in_threatexchange() -> None:
    data = f"{MD5[0]}\nmd5 {MD5[1]} extra\ntmk 00\nvpdq {VPDQ}\n".encode()
    rows = read("te", data)
    assert reasons(rows) == [
        (1, "wrong_field_count"), (2, "invalid_hash"), (3, "unknown_signal_type")]
    assert rows[3].record == HashRecord("vpdq", VPDQ)
    # with a default, a line not starting with a known signal type is one bare value
    rows = read("te", data, default="md5")
    assert rows[0].record == HashRecord("md5", MD5[0])
    assert reasons(rows) == [(2, "invalid_hash"), (3, "invalid_hash")]
    assert rows[3].record == HashRecord("vpdq", VPDQ)
    rows = read("te", f"{VPDQ}\n".encode(), default="vpdq")
    assert rows[0].record == HashRecord("vpdq", VPDQ)


def test_te_writer_is_one_signal_per_line() -> None:
    out = io.BytesIO()
    assert get_format("te").write([HashRecord("pdq", PDQ[0], labels=("A1",)),
                                   HashRecord("md5", MD5[0])], out) == 2
    assert out.getvalue() == f"pdq {PDQ[0]}\nmd5 {MD5[0]}\n".encode()


def test_plain_infers_md5_and_refuses_to_guess_64_digits() -> None:
    data = (f"# md5 list\r\n{MD5[0].upper()}\r\n\r\n{SHA256[0]}\n"
            "0123456789abcdef0123456789abcdef01234567\n").encode()
    rows = read("plain", data)
    assert [(r.line, r.record) for r in rows if r.ok] == [(2, HashRecord("md5", MD5[0]))]
    assert reasons(rows) == [(4, "ambiguous_signal_type"), (5, "ambiguous_signal_type")]
    assert "sha256 or pdq" in str(rows[1].error)


def test_plain_with_default_reads_every_line_as_that_type() -> None:
    rows = read("plain", f"{SHA256[0]}\n{SHA256[1]}\n{MD5[0]}\n".encode(), default="sha256")
    assert [r.record for r in rows if r.ok] == [HashRecord("sha256", v) for v in SHA256]
    assert reasons(rows) == [(3, "invalid_hash")]


def test_plain_value_is_the_whole_line() -> None:
    data = f"{MD5[0]} {MD5[1]}\n".encode()
    assert reasons(read("plain", data)) == [(1, "ambiguous_signal_type")]
    assert reasons(read("plain", data, default="md5")) == [(1, "invalid_hash")]
    rows = read("plain", f"  {VPDQ}  \n".encode(), default="vpdq")
    assert rows[0].record == HashRecord("vpdq", VPDQ)


def test_plain_writer_holds_one_signal_type() -> None:
    out = io.BytesIO()
    assert get_format("plain").write([HashRecord("md5", v) for v in MD5[:2]], out) == 2
    assert out.getvalue() == f"{MD5[0]}\n{MD5[1]}\n".encode()
    with pytest.raises(InvalidInput, match="one signal type"):
        get_format("plain").write([HashRecord("md5", MD5[0]), HashRecord("pdq", PDQ[0])],
                                  io.BytesIO())


@pytest.mark.parametrize("name", ["te", "plain"])
def test_text_writers_refuse_values_that_would_not_read_back(name: str) -> None:
    with pytest.raises(InvalidInput):
        get_format(name).write([HashRecord("md5", "ab\ncd")], io.BytesIO())
    with pytest.raises(InvalidInput):
        get_format(name).write([HashRecord("md5", " abcd")], io.BytesIO())
