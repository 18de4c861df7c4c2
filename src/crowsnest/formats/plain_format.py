"""The ``plain`` hash-list format: one bare hash per line, as MD5/SHA-256 lists often come.

Lists from hotlines and clearing houses frequently arrive as nothing but hex digests.
Each meaningful line, stripped of surrounding whitespace, is one value. Its signal type
is ``default_signal_type`` when given; otherwise it is inferred from the value: 32 hex
digits are ``md5``. 64 hex digits could be ``sha256`` or ``pdq``, so such a list needs an
explicit default signal type (the row error says so). Blank lines and ``#`` comment lines
are skipped; CRLF line ends are fine. A file holds one signal type; only values survive
a round trip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from crowsnest.core.errors import InvalidInput
from crowsnest.formats.base import HashListFormat, HashRecord, ParsedRow
from crowsnest.formats.lines import RecordBuilder, first_meaningful_line, line_error, text_lines

_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_HEX_BYTES = re.compile(rb"^[0-9A-Fa-f]{16,}$")
#: Unambiguous hex lengths and the signal type each implies.
INFERRED_BY_LENGTH = {32: "md5"}


def _infer(value: str) -> str:
    """Signal type for a bare value without a default; raises ``InvalidInput``."""
    is_hex = bool(_HEX.match(value))
    if is_hex and len(value) in INFERRED_BY_LENGTH:
        return INFERRED_BY_LENGTH[len(value)]
    if is_hex and len(value) == 64:
        raise InvalidInput("a 64-digit hex value may be sha256 or pdq: "
                           "give the default signal type (e.g. --signal-type sha256)")
    shown = value if len(value) <= 40 else value[:37] + "..."
    raise InvalidInput(f"cannot tell the signal type of {shown!r}: "
                       "give the default signal type")


class PlainFormat(HashListFormat):
    """One hash per line, one signal type per file."""

    name = "plain"
    description = "One hash per line (e.g. MD5 or SHA-256 lists); '#' comments"
    extensions = (".txt", ".md5", ".sha256", ".hashes")
    keeps = frozenset({"signal_type", "value"})
    single_signal_type = True

    def read(
        self, stream: BinaryIO, *, default_signal_type: str | None = None
    ) -> Iterator[ParsedRow]:
        builder = RecordBuilder(default_signal_type)
        for item in text_lines(stream):
            if isinstance(item, ParsedRow):
                yield item
                continue
            number, value = item
            signal_type = builder.default
            if signal_type is None:
                try:
                    signal_type = _infer(value)
                except InvalidInput as exc:
                    yield line_error(number, exc.message, "ambiguous_signal_type")
                    continue
            yield builder.build(number, signal_type=signal_type, value=value)

    def write(self, records: Iterable[HashRecord], stream: BinaryIO) -> int:
        count = 0
        kind: str | None = None
        for record in records:
            kind = kind or record.signal_type
            if record.signal_type != kind:
                raise InvalidInput(f"a plain list holds one signal type: found "
                                   f"{record.signal_type!r} after {kind!r}")
            value = record.value
            if (value != value.strip() or value.startswith("#") or "\n" in value
                    or "\r" in value):
                raise InvalidInput(f"cannot write {value[:80]!r} as one plain list line")
            stream.write(f"{value}\n".encode("utf-8"))
            count += 1
        return count

    def sniff(self, head: bytes) -> bool:
        fields = first_meaningful_line(head)
        return fields is not None and len(fields) == 1 and bool(_HEX_BYTES.match(fields[0]))
