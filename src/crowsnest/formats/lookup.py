"""Finding hash-list formats: by name, and by file name and first bytes.

``detect_format`` first narrows the registered formats by file extension, then lets each
remaining candidate sniff the head of the file. It never guesses between two plausible
formats: an ambiguous or unrecognised file raises ``UnknownFormat`` naming the candidates,
so the user passes the format explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def read_path(
    path: str | Path, *, format_name: str | None = None, default_signal_type: str | None = None
) -> Iterator[ParsedRow]:
    """Stream the rows of the hash list at ``path``, detecting its format if not given.

    The file stays open while the iterator is consumed and closes when it is exhausted
    or closed.
    """
    path = Path(path)
    with path.open("rb") as stream:
        if format_name is None:
            format_name = detect_format(path.name, stream.read(SNIFF_BYTES))
            stream.seek(0)
        fmt = get_format(format_name)
        yield from fmt.read(stream, default_signal_type=default_signal_type)
