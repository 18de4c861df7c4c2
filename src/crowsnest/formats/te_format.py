"""The ``te`` hash-list format: ThreatExchange-style ``<signal_type> <hash>`` text lines.

python-threatexchange's file exchange (``LocalFileSignalExchangeAPI``) and its
``threatexchange dataset -P -S`` output use one signal per line: the signal type name, a
space, the hash. Its reader splits at the first space, skips empty lines and, when the
collaboration config names a signal type, takes a bare hash on the line as that type.

We read the same lines: fields are separated by any run of whitespace, a line holding
only a hash takes ``default_signal_type``, blank lines and ``#`` comment lines are skipped,
and text after the hash is refused (python-threatexchange would fold it into the hash,
which then fails validation). ThreatExchange's ``video_md5`` and ``video_sha256`` names
are read as our ``md5`` and ``sha256`` unless a plug-in registers those names itself.
Only the signal type and hash survive a round trip; labels and provenance are not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from crowsnest.core.errors import InvalidInput
from crowsnest.formats.base import HashListFormat, HashRecord, ParsedRow
from crowsnest.formats.lines import RecordBuilder, first_meaningful_line, line_error, token_lines

#: ThreatExchange signal-type names that mean one of ours (same bytes hashed the same way).
TE_ALIASES = {"video_md5": "md5", "video_sha256": "sha256"}
_TYPE_NAME = re.compile(rb"^[A-Za-z][A-Za-z0-9_]*$")
_WHITESPACE = re.compile(r"\s")


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
        for item in token_lines(stream):
            if isinstance(item, ParsedRow):
                yield item
                continue
            number, fields = item
            if len(fields) == 2:
                yield builder.build(number, signal_type=fields[0], value=fields[1])
            elif len(fields) == 1 and builder.default is not None:
                yield builder.build(number, signal_type=None, value=fields[0])
            elif len(fields) == 1:
                yield line_error(number, "expected '<signal_type> <hash>', found one field "
                                         "(or give a default signal type)", "wrong_field_count")
            else:
                yield line_error(number, f"expected '<signal_type> <hash>', found "
                                         f"{len(fields)} fields", "wrong_field_count")

    def write(self, records: Iterable[HashRecord], stream: BinaryIO) -> int:
        count = 0
        for record in records:
            if _WHITESPACE.search(record.signal_type) or _WHITESPACE.search(record.value):
                raise InvalidInput(f"cannot write {record.value!r} of {record.signal_type!r} "
                                   "as te text: it contains whitespace")
            stream.write(f"{record.signal_type} {record.value}\n".encode("utf-8"))
            count += 1
        return count

    def sniff(self, head: bytes) -> bool:
        fields = first_meaningful_line(head)
        return fields is not None and len(fields) == 2 and bool(_TYPE_NAME.match(fields[0]))
