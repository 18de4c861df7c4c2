"""The ``jsonl`` hash-list format: one JSON object per line (JSON Lines / NDJSON).

Keys are the csv columns: ``signal_type`` (optional with a default signal type),
``value`` (required), ``labels`` (a list of strings), ``source``, ``external_id``,
``note`` (strings) and ``added_at`` (ISO 8601 string); ``null`` or a missing key means
"not given". Unknown keys are refused rather than silently dropped. Blank lines are
skipped. The writer leaves out keys whose value is empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from crowsnest.formats.base import FIELDS, HashListFormat, HashRecord, ParsedRow
from crowsnest.formats.lines import (
    TOO_LONG,
    RecordBuilder,
    decode_line,
    format_datetime,
    iter_lines,
    line_error,
    too_long_error,
    utf8_error,
)

_STRING_KEYS = ("signal_type", "value", "source", "external_id", "note", "added_at")


def _check_object(obj: Any) -> str | None:
    """Why ``obj`` is not a valid record object, or None when its shape is right."""
    if not isinstance(obj, dict):
        return f"expected a JSON object, found {type(obj).__name__}"
    unknown = [k for k in obj if k not in FIELDS]
    if unknown:
        return f"unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(FIELDS)})"
    if "value" not in obj:
        return "missing key 'value'"
    for key in _STRING_KEYS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"{key} must be a string"
    labels = obj.get("labels")
    if labels is not None and not (
        isinstance(labels, list) and all(isinstance(x, str) for x in labels)
    ):
        return "labels must be a list of strings"
    return None


class JsonlFormat(HashListFormat):
    """JSON Lines; keeps every field."""

    name = "jsonl"
    description = "JSON Lines: one object per line with signal_type, value, labels, ..."
    extensions = (".jsonl", ".ndjson")

    def read(
        self, stream: BinaryIO, *, default_signal_type: str | None = None
    ) -> Iterator[ParsedRow]:
        builder = RecordBuilder(default_signal_type)
        for number, raw in iter_lines(stream):
            if raw is TOO_LONG:
                yield too_long_error(number)
                continue
            assert isinstance(raw, bytes)
            try:
                text = decode_line(raw)
            except UnicodeDecodeError as exc:
                yield utf8_error(number, exc)
                continue
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line_error(number, f"not valid JSON: {exc.msg} at column {exc.colno}",
                                 "bad_json")
                continue
            problem = _check_object(obj)
            if problem is not None:
                yield line_error(number, problem, "bad_object")
                continue
            yield builder.build(
                number,
                signal_type=obj.get("signal_type"),
                value=obj["value"],
                labels=obj.get("labels") or (),
                source=obj.get("source"),
                external_id=obj.get("external_id"),
                note=obj.get("note"),
                added_at=obj.get("added_at"),
            )

    def write(self, records: Iterable[HashRecord], stream: BinaryIO) -> int:
        count = 0
        for record in records:
            obj: dict[str, Any] = {"signal_type": record.signal_type, "value": record.value}
            if record.labels:
                obj["labels"] = list(record.labels)
            for key in ("source", "external_id", "note"):
                if getattr(record, key) is not None:
                    obj[key] = getattr(record, key)
            if record.added_at is not None:
                obj["added_at"] = format_datetime(record.added_at)
            line = json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
            stream.write(line.encode("utf-8"))
            count += 1
        return count

    def sniff(self, head: bytes) -> bool:
        for line in head.removeprefix(b"\xef\xbb\xbf").splitlines():
            if line.strip():
                return line.lstrip().startswith(b"{")
        return False
