"""Exact hashes (MD5, SHA-256) of any file's bytes: photos, videos and other files alike.

They match only byte-identical copies, so their index is a plain value lookup
(:class:`~crowsnest.core.index.exact.ExactIndex`) and their threshold is always 0.
Bytes are fed to ``hashlib`` in chunks so that large items are not copied again.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any, ClassVar

from crowsnest.core.errors import InvalidHash, InvalidInput, MediaError
from crowsnest.core.index.base import SignalIndex
from crowsnest.core.index.exact import ExactIndex
from crowsnest.core.media import LoadedMedia
from crowsnest.core.signals.base import ContentType, MediaSource, SignalHash, SignalType

_CHUNK = 1024 * 1024


class _ExactSignal(SignalType):
    """Shared behaviour of the cryptographic hash signal types."""

    content_types: ClassVar[frozenset[ContentType]] = frozenset(ContentType)
    default_threshold: ClassVar[int] = 0
    max_threshold: ClassVar[int] = 0
    #: ``hashlib`` algorithm name and hex length, set by each subclass.
    algorithm: ClassVar[str]
    hex_length: ClassVar[int]

    def validate(self, value: str) -> str:
        if not isinstance(value, str):
            raise InvalidHash(f"a {self.name} hash must be a string, not {type(value).__name__}")
        canonical = value.strip().lower()
        if len(canonical) != self.hex_length or not re.fullmatch(r"[0-9a-f]+", canonical):
            shown = canonical if len(canonical) <= 80 else canonical[:77] + "..."
            raise InvalidHash(
                f"invalid {self.name} hash {shown!r}: must be {self.hex_length} hex digits",
                detail={"signal_type": self.name, "length": len(canonical)},
            )
        return canonical

    def hash(self, source: MediaSource, content_type: ContentType = ContentType.FILE
             ) -> SignalHash:
        """Hash any bytes; a path or stream is read in chunks, never whole into memory."""
        if isinstance(source, Path) or (hasattr(source, "read") and not isinstance(
                source, (bytes, bytearray, memoryview))):
            return self._hash_stream(source)
        return self.hash_loaded(LoadedMedia.load(source, ContentType.FILE))

    def hash_loaded(self, media: LoadedMedia) -> SignalHash:
        """Hash an already-read item (the facade's read-once path)."""
        digest = self._new()
        view = memoryview(media.data)
        for start in range(0, len(view), _CHUNK):
            digest.update(view[start:start + _CHUNK])
        return SignalHash(self.name, digest.hexdigest())

    def _new(self) -> Any:
        # not used for security, so FIPS-mode interpreters still allow MD5
        return hashlib.new(self.algorithm, usedforsecurity=False)

    def _hash_stream(self, source: Path | IO[bytes]) -> SignalHash:
        digest, size = self._new(), 0
        try:
            with (source.open("rb") if isinstance(source, Path) else nullcontext(source)) as f:
                while chunk := f.read(_CHUNK):
                    if isinstance(chunk, str):
                        raise InvalidInput("media stream must be opened in binary mode")
                    digest.update(chunk)
                    size += len(chunk)
        except OSError as exc:
            raise MediaError(f"cannot read {source}: {exc.strerror or exc}") from exc
        if size == 0:
            raise MediaError("the media is empty (zero bytes)")
        return SignalHash(self.name, digest.hexdigest())

    def distance(self, a: str, b: str) -> int:
        # exact hashes have no notion of "near": equal or not
        return 0 if a == b else 1

    def new_index(self) -> SignalIndex:
        return ExactIndex()


class Md5Signal(_ExactSignal):
    """MD5 of the file bytes (still the most common hash in shared lists)."""

    name: ClassVar[str] = "md5"
    algorithm: ClassVar[str] = "md5"
    hex_length: ClassVar[int] = 32


class Sha256Signal(_ExactSignal):
    """SHA-256 of the file bytes."""

    name: ClassVar[str] = "sha256"
    algorithm: ClassVar[str] = "sha256"
    hex_length: ClassVar[int] = 64
