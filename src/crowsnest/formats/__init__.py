"""Hash-list formats (readers and writers), each a plug-in in ``crowsnest.formats``.

Public API: :class:`HashRecord`, :class:`ParsedRow`, :class:`HashListFormat`,
:func:`get_format`, :func:`all_formats`, :func:`detect_format`,
:func:`detect_stream`, :func:`read_path`.
See ``docs/formats.md``.
"""

from crowsnest.formats.base import FIELDS, HashListFormat, HashRecord, ParsedRow
from crowsnest.formats.lookup import (
    SNIFF_BYTES,
    all_formats,
    detect_format,
    detect_stream,
    get_format,
    read_path,
)

__all__ = [
    "FIELDS",
    "SNIFF_BYTES",
    "HashListFormat",
    "HashRecord",
    "ParsedRow",
    "all_formats",
    "detect_format",
    "detect_stream",
    "get_format",
    "read_path",
]
