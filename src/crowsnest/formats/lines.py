"""Building blocks the built-in readers share: bounded line streaming and record checks.

``iter_lines`` pulls one physical line at a time (with a hard length cap so a file with no
newlines cannot be swallowed whole); ``RecordBuilder`` turns raw field values into a
validated :class:`HashRecord`, or a :class:`FormatError` for that line, resolving signal
types through the plug-in registry once per name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, BinaryIO

from crowsnest.core import registry
from crowsnest.core.errors import FormatError, InvalidInput, UnknownSignalType
from crowsnest.formats.base import HashRecord, ParsedRow

#: Longest physical line a reader accepts (bytes, newline included). Longer lines are
#: skipped in bounded steps and reported, so memory stays bounded on hostile input. A vPDQ
#: value grows ~82 bytes per second of video, so 8 MiB still holds a day-long video.
MAX_LINE_BYTES = 8 << 20
BOM = b"\xef\xbb\xbf"


class LineTooLong:
    """Marker yielded by :func:`iter_lines` in place of a line over the cap."""


TOO_LONG = LineTooLong()


def iter_lines(
    stream: BinaryIO, *, limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | LineTooLong]]:
    """Yield ``(line_number, raw_line)`` with 1-based numbers; raw lines keep their EOL.

    A UTF-8 byte-order mark at the very start is dropped. A line longer than ``limit``
    bytes is drained in ``limit``-sized pieces and yielded as :data:`TOO_LONG`.
    """
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:
                more = stream.readline(limit)
                if not more or more.endswith(b"\n"):
                    break
            yield number, TOO_LONG
            continue
        yield number, raw


def decode_line(raw: bytes) -> str:
    """UTF-8 text of one raw line without its line ending (``\\n`` or ``\\r\\n``).

    Raises ``UnicodeDecodeError``; readers turn that into a row error.
    """
    text = raw.decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
        if text.endswith("\r"):
            text = text[:-1]
    return text


def line_error(number: int, message: str, reason: str) -> ParsedRow:
    """A row carrying a ``FormatError`` for ``number`` with a machine-readable reason."""
    return ParsedRow(number, error=FormatError(message, line=number,
                                               detail={"line": number, "reason": reason}))


def too_long_error(number: int) -> ParsedRow:
    """The row for a line over :data:`MAX_LINE_BYTES`."""
    return line_error(number, f"line is longer than {MAX_LINE_BYTES} bytes", "line_too_long")


def utf8_error(number: int, exc: UnicodeDecodeError) -> ParsedRow:
    """The row for a line that is not valid UTF-8, naming the offending byte."""
    bad = exc.object[exc.start:exc.start + 1].hex()
    return line_error(number, f"not valid UTF-8 (byte 0x{bad} at offset {exc.start})",
                      "invalid_utf8")


def parse_datetime(text: str) -> datetime:
    """ISO 8601 date-time (``2024-05-01T12:00:00Z``); raises ``InvalidInput``."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"added_at {text!r} is not an ISO 8601 date-time") from None


def format_datetime(value: datetime | None) -> str | None:
    """ISO 8601 text for ``added_at`` (records always carry an aware datetime)."""
    return None if value is None else value.isoformat()


class RecordBuilder:
    """Validates raw fields into records for one read, caching signal-type look-ups.

    ``aliases`` maps foreign signal-type names (e.g. ThreatExchange's ``video_md5``) to
    registered ones.
    """

    def __init__(
        self, default_signal_type: str | None, aliases: Mapping[str, str] | None = None
    ) -> None:
        self._aliases = dict(aliases or {})
        self._types: dict[str, tuple[str, Any]] = {}
        self.default = None
        if default_signal_type is not None:
            # a wrong default is the caller's mistake, not a row's: raise it straight away
            self.default = self.resolve(default_signal_type)[0]

    def resolve(self, name: str) -> tuple[str, Any]:
        """Registered ``(name, signal type)`` for ``name``; raises ``UnknownSignalType``."""
        found = self._types.get(name)
        if found is None:
            key = name.strip().lower()
            found = self._types.get(key) or self._lookup(key)
            self._types[key] = self._types[name] = found
        return found

    def _lookup(self, key: str) -> tuple[str, Any]:
        try:
            return key, registry.signal_type(key)
        except UnknownSignalType:
            # an alias only applies when nothing is registered under the foreign name
            if key not in self._aliases:
                raise
        target = self._aliases[key]
        return target, registry.signal_type(target)

    def build(
        self,
        number: int,
        *,
        signal_type: str | None,
        value: str,
        labels: Iterable[str] = (),
        source: str | None = None,
        external_id: str | None = None,
        note: str | None = None,
        added_at: str | datetime | None = None,
    ) -> ParsedRow:
        """A row with the validated record, or with the ``FormatError`` explaining why not."""
        try:
            if signal_type is None or not signal_type.strip():
                if self.default is None:
                    raise InvalidInput("no signal type given and no default signal type set")
                signal_type = self.default
            name, kind = self.resolve(signal_type)
            canonical = kind.validate(value.strip())
            if isinstance(added_at, str):
                added_at = parse_datetime(added_at) if added_at else None
            record = HashRecord(name, canonical, labels if type(labels) is tuple else tuple(labels),
                                source, external_id, note, added_at)
        except InvalidInput as exc:
            return line_error(number, exc.message, exc.code)
        return ParsedRow(number, record=record)


def text_lines(stream: BinaryIO) -> Iterator[tuple[int, str] | ParsedRow]:
    """Each meaningful line of a simple text list, stripped of surrounding whitespace.

    Blank lines and lines whose first non-space character is ``#`` are skipped; CRLF is
    fine. Lines that cannot be decoded come out as error rows instead.
    """
    for number, raw in iter_lines(stream):
        if raw is TOO_LONG:
            yield too_long_error(number)
            continue
        assert isinstance(raw, bytes)
        try:
            text = decode_line(raw).strip()
        except UnicodeDecodeError as exc:
            yield utf8_error(number, exc)
            continue
        if text and not text.startswith("#"):
            yield number, text


def first_meaningful_line(head: bytes) -> list[bytes] | None:
    """Fields of the first non-blank, non-comment line of ``head`` (for sniffing)."""
    for line in head.removeprefix(BOM).splitlines():
        fields = line.split()
        if fields and not fields[0].startswith(b"#"):
            return fields
    return None
