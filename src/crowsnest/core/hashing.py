"""Hash one item with every applicable signal type: the entry point services and the CLI use.

``hash_media`` reads the source once (bytes, a ``Path`` or a binary file -- never a URL),
sniffs its content type from magic bytes, and computes every registered signal type whose
``content_types`` include it: photos get pdq, md5 and sha256; videos vpdq, md5 and
sha256; any other file md5 and sha256 (plus whatever third-party signal types apply).

Signal types that offer ``hash_loaded(media: LoadedMedia)`` share the one read and, for
photos, one decode; others are called through the plain ``hash(bytes, content_type)``
contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crowsnest.core import registry
from crowsnest.core.errors import UnsupportedMedia
from crowsnest.core.media import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, LoadedMedia
from crowsnest.core.signals.base import ContentType, MediaSource, SignalHash, SignalType


@dataclass(frozen=True)
class MediaHashes:
    """Every hash computed for one item, keyed by signal type name."""

    content_type: ContentType
    signals: dict[str, SignalHash]


def hash_media(
    source: MediaSource,
    *,
    content_type: ContentType | None = None,
    signal_types: Iterable[str] | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> MediaHashes:
    """Hash ``source`` with each applicable signal type (all registered ones by default).

    ``content_type`` overrides sniffing but is checked: asking for ``PHOTO`` on bytes that
    are no image raises ``UnsupportedMedia``. Naming a signal type in ``signal_types`` that
    does not apply to the content type also raises ``UnsupportedMedia``; an unregistered
    name raises ``UnknownSignalType``. Any failure raises; no partial result is returned.
    """
    media = LoadedMedia.load(source, content_type, max_pixels=max_pixels, max_bytes=max_bytes)
    chosen = _choose(media.content_type, signal_types)
    signals = {name: _hash_one(signal, media) for name, signal in chosen.items()}
    return MediaHashes(media.content_type, signals)


def _choose(content_type: ContentType, names: Iterable[str] | None) -> dict[str, SignalType]:
    if names is None:
        return {
            name: signal for name, signal in registry.signal_types().items()
            if content_type in signal.content_types
        }
    chosen = {name: registry.signal_type(name) for name in dict.fromkeys(names)}
    for name, signal in chosen.items():
        if content_type not in signal.content_types:
            raise UnsupportedMedia(
                f"signal type {name!r} cannot hash {content_type.value} content",
                detail={"signal_type": name, "content_type": content_type.value},
            )
    return chosen


def _hash_one(signal: SignalType, media: LoadedMedia) -> SignalHash:
    hash_loaded = getattr(signal, "hash_loaded", None)
    if callable(hash_loaded):
        return hash_loaded(media)
    return signal.hash(media.data, media.content_type)


def pdq_variants(
    source: MediaSource, *, max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[SignalHash]:
    """The 8 dihedral PDQ variants of a photo (index 0 the original; see ``signals.pdq``)."""
    media = LoadedMedia.load(source, ContentType.PHOTO, max_pixels=max_pixels,
                             max_bytes=max_bytes)
    variants: list[SignalHash] = registry.signal_type("pdq").hash_variants(media)
    return variants
