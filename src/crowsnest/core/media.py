"""Reading media safely: byte limits, content-type sniffing, and a read-once container.

Hashing APIs accept a :data:`~crowsnest.core.signals.base.MediaSource` -- bytes, a
:class:`~pathlib.Path` or an open binary file -- and never a URL: crowsnest does not fetch
content by itself. A plain ``str`` is refused on purpose, so that a URL can never be
mistaken for a file name.

:class:`LoadedMedia` holds the bytes of one item, read once, with its sniffed content type
and the decoding limits, so that every signal type computed for the item shares one read
(and, for photos, one decode: see :mod:`crowsnest.core.imaging`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crowsnest.core.errors import InvalidInput, MediaError, MediaTooLarge, UnsupportedMedia
from crowsnest.core.signals.base import ContentType, MediaSource

#: Largest input read by default (512 MiB): enough for long phone videos, small enough that
#: one item cannot exhaust a worker's memory. Callers may raise it per call.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
#: Largest image (width x height) decoded by default: 100 megapixels, i.e. the biggest
#: phone and camera photos. Checked from the header, before any pixel data is decoded.
DEFAULT_MAX_PIXELS = 100_000_000

_CHUNK = 1024 * 1024

# ISO base media (MP4/QuickTime/HEIF) "ftyp" brands that mean a still image (HEIF/AVIF,
# including image sequences, of which only the first image is hashed).
_IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
     b"mif2"}
)


def read_source(source: MediaSource, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """All bytes of ``source``, refusing more than ``max_bytes`` with ``MediaTooLarge``.

    Raises ``MediaError`` for a missing/unreadable path and for zero bytes, and
    ``InvalidInput`` for a ``str`` (which could be a URL: pass a ``Path`` for a file).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_size(len(data), max_bytes)
    elif isinstance(source, Path):
        data = _read_path(source, max_bytes)
    elif isinstance(source, str):
        raise InvalidInput(
            "media must be bytes, a pathlib.Path or a binary file; a str is refused because "
            "crowsnest never fetches URLs (wrap a file name in pathlib.Path)"
        )
    elif hasattr(source, "read"):
        data = _read_stream(source, max_bytes)
    else:
        raise InvalidInput(f"cannot read media from a {type(source).__name__}")
    if not data:
        raise MediaError("the media is empty (zero bytes)")
    return data


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise MediaTooLarge(
            f"media is larger than the limit of {max_bytes} bytes",
            detail={"max_bytes": max_bytes},
        )


def _read_path(path: Path, max_bytes: int) -> bytes:
    try:
        # stat first so that an oversized file is refused without reading it
        _check_size(path.stat().st_size, max_bytes)
        with path.open("rb") as handle:
            return _read_stream(handle, max_bytes)
    except OSError as exc:
        raise MediaError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _read_stream(stream: Any, max_bytes: int) -> bytes:
    buffer = io.BytesIO()
    while True:
        chunk = stream.read(min(_CHUNK, max_bytes + 1 - buffer.tell()))
        if not chunk:
            break
        if isinstance(chunk, str):
            raise InvalidInput("media stream must be opened in binary mode")
        buffer.write(chunk)
        # one byte past the limit is enough to know it is too large
        _check_size(buffer.tell(), max_bytes)
    return buffer.getvalue()


def sniff_content_type(data: bytes) -> ContentType:
    """Photo, video or other file, decided from magic bytes only (never the file name)."""
    if sniff_image_format(data) is not None:
        return ContentType.PHOTO
    if _is_video(data):
        return ContentType.VIDEO
    return ContentType.FILE


def sniff_image_format(data: bytes) -> str | None:
    """Short name of the image format the magic bytes announce, or ``None``."""
    head = data[:32]
    checks = (
        ("jpeg", head.startswith(b"\xff\xd8\xff")),
        ("png", head.startswith(b"\x89PNG\r\n\x1a\n")),
        ("gif", head[:6] in (b"GIF87a", b"GIF89a")),
        ("webp", head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
        ("bmp", head[:2] == b"BM" and len(data) >= 26),
        ("tiff", head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")),
        ("heif", _ftyp_brand(head) in _IMAGE_BRANDS),
        ("jpeg2000", head.startswith(b"\x00\x00\x00\x0cjP  ") or head.startswith(b"\xffO\xffQ")),
        ("ico", head[:4] == b"\x00\x00\x01\x00"),
        ("psd", head[:4] == b"8BPS"),
        ("qoi", head[:4] == b"qoif"),
    )
    for name, matched in checks:
        if matched:
            if name == "heif" and _ftyp_brand(head) in (b"avif", b"avis"):
                return "avif"
            return name
    return None


def _ftyp_brand(head: bytes) -> bytes | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return head[8:12]
    return None


def _is_video(data: bytes) -> bool:
    head = data[:16]
    if _ftyp_brand(head) is not None:  # MP4, MOV, 3GP, M4V ... (image brands caught above)
        return True
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):  # old QuickTime without ftyp
        return True
    return (
        head.startswith(b"\x1a\x45\xdf\xa3")  # Matroska / WebM
        or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
        or head.startswith(b"FLV\x01")
        or head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")  # ASF / WMV
        or head.startswith(b"\x00\x00\x01\xba")  # MPEG program stream
        or (len(data) > 376 and data[0] == 0x47 and data[188] == 0x47 and data[376] == 0x47)
    )


@dataclass
class LoadedMedia:
    """One item's bytes, read once, with its content type and decoding limits.

    ``cache`` lets signal types share work derived from the bytes (e.g. decoded pixels)
    while one item is being hashed; it is dropped with the object.
    """

    data: bytes
    content_type: ContentType
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_bytes: int = DEFAULT_MAX_BYTES
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        source: MediaSource | LoadedMedia,
        content_type: ContentType | None = None,
        *,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> LoadedMedia:
        """Read ``source`` (or reuse it if already loaded) and settle its content type.

        An explicit ``content_type`` is checked against the bytes: asking for a photo or
        a video when the bytes are something else raises ``UnsupportedMedia``. ``FILE``
        is accepted for any bytes.
        """
        if isinstance(source, LoadedMedia):
            if content_type is None or content_type == source.content_type:
                return source
            data = source.data
        else:
            data = read_source(source, max_bytes)
        sniffed = sniff_content_type(data)
        if content_type is not None and content_type != ContentType.FILE:
            if content_type != sniffed:
                raise UnsupportedMedia(
                    f"expected {content_type.value} content but the bytes look like "
                    f"{'an other file' if sniffed == ContentType.FILE else 'a ' + sniffed.value}",
                    detail={"expected": content_type.value, "sniffed": sniffed.value},
                )
        return cls(data, content_type or sniffed, max_pixels=max_pixels, max_bytes=max_bytes)
