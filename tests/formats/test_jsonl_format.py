"""The jsonl reader: one object per line, nulls and missing keys mean 'not given'."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from crowsnest.formats import HashRecord, ParsedRow, get_format

from format_samples import MD5, PDQ


def read(data: bytes, default: str | None = None) -> list[ParsedRow]:
    return list(get_format("jsonl").read(io.BytesIO(data), default_signal_type=default))


def test_nulls_missing_keys_blank_lines_and_crlf() -> None:
    data = (f'{{"signal_type": "md5", "value": "{MD5[0]}", "labels": null, "note": null}}\r\n'
            "\r\n   \n"
            f'{{"value": "{PDQ[0]}", "labels": ["A1", "A1", "b"], '
            f'"added_at": "2024-05-01T12:00:00Z", "source": "ünï"}}\n').encode()
    rows = read(data, default="pdq")
    assert [(r.line, r.record) for r in rows] == [
        (1, HashRecord("md5", MD5[0])),
        (4, HashRecord("pdq", PDQ[0], labels=("A1", "b"), source="ünï",
                       added_at=datetime(2024, 5, 1, 12, tzinfo=UTC))),
    ]


def test_shape_errors_name_their_line_and_reading_continues() -> None:
    lines = [
        f'{{"signal_type": "md5", "value": "{MD5[0]}"}}',
        '{"signal_type": "md5", "value": "' + MD5[1],                  # truncated JSON
        f'{{"signal_type": "md5", "value": "{MD5[1]}", "note": "\\u0000"}}',   # NUL
        f'{{"signal_type": "md5", "value": "{MD5[1]}", "note": "\\ud800"}}',   # lone surrogate
        f'{{"signal_type": "md5", "value": "{MD5[1]}", "labels": ["a;b"]}}',
        f'{{"value": "{MD5[1]}"}}',                                       # no type, no default
        f'{{"signal_type": ["md5"], "value": "{MD5[1]}"}}',
        '"just a string"',
        f'{{"signal_type": "md5", "value": "{MD5[2]}"}}',
    ]
    rows = read("\n".join(lines).encode())
    assert [(r.line, r.error.detail["reason"]) for r in rows if r.error] == [
        (2, "bad_json"), (3, "invalid_input"), (4, "invalid_input"), (5, "invalid_input"),
        (6, "invalid_input"), (7, "bad_object"), (8, "bad_object")]
    assert [r.line for r in rows if r.ok] == [1, 9]


def test_writer_leaves_out_empty_keys_and_keeps_unicode() -> None:
    out = io.BytesIO()
    get_format("jsonl").write([HashRecord("md5", MD5[0], note="ünï\n")], out)
    assert out.getvalue().decode() == (
        f'{{"signal_type":"md5","value":"{MD5[0]}","note":"ünï\\n"}}\n')
