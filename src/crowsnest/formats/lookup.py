"""Finding hash-list formats: by name, and by file name and first bytes.

``detect_format`` first narrows the registered formats by file extension, then lets each
remaining candidate sniff the head of the file. It never guesses between two plausible
formats: an ambiguous or unrecognised file raises ``UnknownFormat`` naming the candidates,
so the user passes the format explicitly.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from crowsnest.core import registry
from crowsnest.core.errors import UnknownFormat
from crowsnest.formats.base import HashListFormat, ParsedRow

#: How many leading bytes callers should pass to :func:`detect_format`.
SNIFF_BYTES = 64 * 1024


def get_format(name: str) -> HashListFormat:
    """The format registered as ``name``; raises ``UnknownFormat`` listing the known ones."""
    found: HashListFormat = registry.get(registry.FORMATS, name)
    return found


def all_formats() -> dict[str, HashListFormat]:
    """Every registered format by name."""
    return dict(registry.plugins(registry.FORMATS))


def _by_extension(filename: str, formats: dict[str, HashListFormat]) -> list[str]:
    lowered = filename.lower()
    matches = [(len(ext), name) for name, fmt in formats.items()
               for ext in fmt.extensions if lowered.endswith(ext)]
    if not matches:
        return []
    # the longest matching ending wins, so a format can claim ".md5.txt" over ".txt"
    longest = max(length for length, _ in matches)
    return sorted({name for length, name in matches if length == longest})


def detect_format(filename: str, head: bytes) -> str:
    """Name of the format of a file called ``filename`` whose first bytes are ``head``.

    Raises ``UnknownFormat`` when no format recognises the file or several do.
    """
    formats = all_formats()
    candidates = _by_extension(filename, formats)
    if len(candidates) == 1:
        return candidates[0]
    pool = candidates or sorted(formats)
    sniffed = [name for name in pool if formats[name].sniff(head)]
    if len(sniffed) == 1:
        return sniffed[0]
    if sniffed:
        raise UnknownFormat(
            f"{filename!r} could be any of {', '.join(sniffed)}: choose the format explicitly",
            detail={"candidates": sniffed},
        )
    raise UnknownFormat(
        f"cannot tell the format of {filename!r}: choose one of {', '.join(sorted(formats))}",
        detail={"candidates": pool},
    )


class _Prepended(io.RawIOBase):
    """``head`` followed by the rest of a stream that cannot seek back (stdin, a pipe)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        chunk = self._rest.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def detect_stream(filename: str, stream: BinaryIO) -> tuple[str, BinaryIO]:
    """Detect the format of an open stream without losing its first bytes.

    Returns the format name and a stream to read from: ``stream`` itself, rewound, when it
    can seek; otherwise a buffered stream that replays the sniffed head first.
    """
    buffer = bytearray()
    while len(buffer) < SNIFF_BYTES:  # raw streams and pipes may return short reads
        chunk = stream.read(SNIFF_BYTES - len(buffer))
        if not chunk:
            break
        buffer += chunk
    head = bytes(buffer)
    name = detect_format(filename, head)
    if stream.seekable():
        stream.seek(-len(head), io.SEEK_CUR)
        return name, stream
    return name, io.BufferedReader(_Prepended(head, stream))


def read_path(
    path: str | Path, *, format_name: str | None = None, default_signal_type: str | None = None
) -> Iterator[ParsedRow]:
    """Stream the rows of the hash list at ``path``, detecting its format if not given.

    The file stays open while the iterator is consumed and closes when it is exhausted
    or closed.
    """
    path = Path(path)
    with path.open("rb") as raw:
        stream: BinaryIO = raw
        if format_name is None:
            format_name, stream = detect_stream(path.name, raw)
        yield from get_format(format_name).read(stream, default_signal_type=default_signal_type)
