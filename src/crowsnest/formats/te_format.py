"""The ``te`` hash-list format: ThreatExchange-style ``<signal_type> <hash>`` text lines.

python-threatexchange's file exchange (``LocalFileSignalExchangeAPI``) and its
``threatexchange dataset -P -S`` output use one signal per line: the signal type name, a
space, then the signal string -- the rest of the line, which may itself hold spaces (a
vPDQ value is JSON). Its reader splits at the first space, skips empty lines and, when
the collaboration config names a signal type, takes the whole line as the signal.

We read the same lines: the first run of whitespace (space or tab) ends the type name and
the rest of the line, stripped, is the value. With ``default_signal_type``, a line whose
first word is not a registered signal type is taken whole as a value of the default type.
Blank lines and ``#`` comment lines are skipped. ThreatExchange's ``video_md5`` and
``video_sha256`` names read as our ``md5`` and ``sha256`` unless a plug-in registers those
names itself. Only the signal type and hash survive a round trip.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from crowsnest.core.errors import InvalidInput, UnknownSignalType
from crowsnest.formats.base import HashListFormat, HashRecord, ParsedRow
from crowsnest.formats.lines import RecordBuilder, first_meaningful_line, line_error, text_lines

#: ThreatExchange signal-type names that mean one of ours (same bytes hashed the same way).
TE_ALIASES = {"video_md5": "md5", "video_sha256": "sha256"}
_TYPE_NAME = re.compile(rb"^[A-Za-z][A-Za-z0-9_]*$")
_HEX_VALUE = re.compile(rb"^[0-9A-Fa-f]{16,}$")


def _is_signal_type(builder: RecordBuilder, word: str) -> bool:
    try:
        builder.resolve(word)
    except UnknownSignalType:
        return False
    return True


class TeFormat(HashListFormat):
    """``signal_type hash`` per line; keeps type and value only."""

    name = "te"
    description = "ThreatExchange text: '<signal_type> <hash>' per line, '#' comments"
    extensions = (".te", ".txt")
    keeps = frozenset({"signal_type", "value"})

    def read(
        self, stream: BinaryIO, *, default_signal_type: str | None = None
    ) -> Iterator[ParsedRow]:
        builder = RecordBuilder(default_signal_type, aliases=TE_ALIASES)
        for item in text_lines(stream):
            if isinstance(item, ParsedRow):
                yield item
                continue
            number, text = item
            parts = text.split(None, 1)
            if len(parts) == 2 and (builder.default is None
                                    or _is_signal_type(builder, parts[0])):
                yield builder.build(number, signal_type=parts[0], value=parts[1])
            elif builder.default is not None:
                yield builder.build(number, signal_type=None, value=text)
            else:
                yield line_error(number, "expected '<signal_type> <hash>', found one word "
                                         "(or give a default signal type)", "wrong_field_count")

    def write(self, records: Iterable[HashRecord], stream: BinaryIO) -> int:
        count = 0
        for record in records:
            if (not _TYPE_NAME.match(record.signal_type.encode("utf-8"))
                    or record.value != record.value.strip() or "\n" in record.value
                    or "\r" in record.value):
                raise InvalidInput(f"cannot write {record.signal_type!r} value "
                                   f"{record.value[:80]!r} as one te line")
            stream.write(f"{record.signal_type} {record.value}\n".encode("utf-8"))
            count += 1
        return count

    def sniff(self, head: bytes) -> bool:
        fields = first_meaningful_line(head)
        if fields is None or len(fields) < 2 or not _TYPE_NAME.match(fields[0]):
            return False
        # a hex digest alone, or a JSON value (vPDQ) that may contain spaces
        return bool(_HEX_VALUE.match(fields[1])) and len(fields) == 2 or fields[1][:1] in b"[{"
