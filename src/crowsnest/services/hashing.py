"""Hashing use cases: hash one media source into every applicable signal, optionally with
the 8 dihedral PDQ variants (rotations and mirror images) for orientation-proof matching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from crowsnest.core.errors import InvalidInput
from crowsnest.core.hashing import MediaHashes, hash_media, pdq_variants
from crowsnest.core.media import LoadedMedia
from crowsnest.core.signals.base import ContentType, MediaSource, SignalHash
from crowsnest.core.signals.pdq import DIHEDRAL_VARIANTS

Orientations = Literal["original", "all"]
ORIENTATIONS: tuple[str, ...] = ("original", "all")

#: Names of the dihedral variants in the order ``pdq_variants`` returns them (index 0 is
#: the image as uploaded); the PDQ signal type names each variant itself.
VARIANT_NAMES = DIHEDRAL_VARIANTS


@dataclass(frozen=True)
class HashedMedia:
    """Signals of one media source; ``variants`` maps a variant name to its extra PDQ hash."""

    content_type: str
    signals: dict[str, SignalHash]
    variants: dict[str, SignalHash] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``crowsnest hash`` JSON shape: ``{"content_type", "signals": {...}}``."""
        signals: dict[str, Any] = {}
        for name, signal in self.signals.items():
            item: dict[str, Any] = {"hash": signal.value}
            if signal.quality is not None:
                item["quality"] = signal.quality
            item.update({k: v for k, v in signal.extra.items() if k not in item})
            signals[name] = item
        return {"content_type": self.content_type, "signals": signals}


def _kwargs(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def hash_media_checked(
    source: MediaSource, *, content_type: str | None = None,
    signal_types: Sequence[str] | None = None, max_pixels: int | None = None,
    max_bytes: int | None = None,
) -> MediaHashes:
    """Every applicable signal of ``source``; raises a typed ``MediaError`` for bad media."""
    return hash_media(source, **_kwargs(
        content_type=content_type, signal_types=signal_types, max_pixels=max_pixels,
        max_bytes=max_bytes,
    ))


def _content_type_name(content_type: ContentType | str) -> str:
    return content_type.value if isinstance(content_type, ContentType) else str(content_type)


def hash_for_matching(
    source: MediaSource, *, orientations: Orientations = "all",
    max_pixels: int | None = None, max_bytes: int | None = None,
) -> HashedMedia:
    """Hash ``source`` for a match; with ``orientations="all"`` a photo also gets the 7
    rotated/mirrored PDQ variants, so a mirrored upload still matches its original."""
    if orientations not in ORIENTATIONS:
        raise InvalidInput(f"orientations must be one of {', '.join(ORIENTATIONS)}")
    # one read and one decode: the PDQ hash and its variants share the loaded media's
    # canonical pixels (LoadedMedia caches them)
    media = LoadedMedia.load(source, **_kwargs(max_pixels=max_pixels, max_bytes=max_bytes))
    hashed = hash_media(media)
    content_type = _content_type_name(hashed.content_type)
    variants: dict[str, SignalHash] = {}
    if orientations == "all" and "pdq" in hashed.signals and content_type == "photo":
        for position, variant in enumerate(pdq_variants(media)):
            name = variant.extra.get("variant") or VARIANT_NAMES[position]
            if position:
                variants[str(name)] = variant
    return HashedMedia(content_type, dict(hashed.signals), variants)
