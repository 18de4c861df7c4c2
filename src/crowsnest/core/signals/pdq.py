"""PDQ: Meta's 256-bit perceptual photo hash, computed by the ``pdqhash`` package.

``pdqhash`` wraps Meta's reference C++ (``pdqHash256FromFloatLuma``) and is fed our
canonical RGB pixels (:mod:`crowsnest.core.imaging`), so every image mode hashes through
one conversion path.

Hex convention: identical to the reference tools' ``Hash256::format()`` / ``toHexString``,
which print the sixteen 16-bit words from ``w[15]`` down to ``w[0]``, i.e. the 256-bit
number whose bit ``k`` is DCT coefficient ``k`` (row-major over the 16x16 block), written
most significant bit first. ``pdqhash`` returns that number's bits most-significant first
(its vector is reversed from ``k`` order), so packing the vector big-endian gives the
reference hex directly; tests check this against a bit-by-bit rebuild of the words.

Dihedral variants (:meth:`PdqSignal.hash_variants`), in this order -- the reference's:
0 original, 1 rotated 90 degrees counter-clockwise, 2 rotated 180, 3 rotated 270
counter-clockwise (90 clockwise), 4 flipped top-bottom, 5 mirrored left-right,
6 transposed over the main diagonal, 7 transposed over the anti-diagonal. Each variant is
the hash the *transformed* image would get, so matching a query's variants against a bank
finds rotated or mirrored copies.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np
import pdqhash

from crowsnest.core.errors import InvalidHash, MediaError
from crowsnest.core.imaging import CanonicalImage, load_canonical
from crowsnest.core.index.base import SignalIndex
from crowsnest.core.index.mih import MultiIndexHammingIndex
from crowsnest.core.media import LoadedMedia
from crowsnest.core.signals.base import ContentType, MediaSource, SignalHash, SignalType

PDQ_HEX_LENGTH = 64
#: Below this quality PDQ itself says the hash is unreliable (flat or featureless image).
PDQ_QUALITY_THRESHOLD = 50
_HEX_RE = re.compile(r"^[0-9a-f]{64}$")

#: Names of the dihedral variants, index-aligned with :meth:`PdqSignal.hash_variants`.
DIHEDRAL_VARIANTS = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_top_bottom",
    "mirror_left_right",
    "transpose",
    "transverse",
)


def bits_to_hex(bits: np.ndarray) -> str:
    """``pdqhash``'s 256-element bit vector (most significant first) -> reference hex."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_from_rgb(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hex and quality of a ``(height, width, 3)`` uint8 RGB array."""
    bits, quality = pdqhash.compute(_checked(rgb))
    return bits_to_hex(bits), int(quality)


def pdq_variants_from_rgb(rgb: np.ndarray) -> tuple[list[str], int]:
    """The 8 dihedral PDQ hashes (order of :data:`DIHEDRAL_VARIANTS`) and the quality."""
    vectors, quality = pdqhash.compute_dihedral(_checked(rgb))
    return [bits_to_hex(v) for v in vectors], int(quality)


def _checked(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected (h, w, 3) uint8 pixels, got {rgb.shape} {rgb.dtype}")
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise MediaError("the image has no pixels")
    # the C++ reads the luma buffer as one contiguous block
    return np.ascontiguousarray(rgb)


def canonical_image(media: LoadedMedia) -> CanonicalImage:
    """Decode a photo once per :class:`LoadedMedia`, shared by every photo signal."""
    cached = media.cache.get("canonical_image")
    if cached is None:
        cached = load_canonical(media.data, media.max_pixels)
        media.cache["canonical_image"] = cached
    return cached


def _extra(image: CanonicalImage, quality: int) -> dict[str, Any]:
    extra: dict[str, Any] = {"width": image.original_size[0], "height": image.original_size[1]}
    if quality < PDQ_QUALITY_THRESHOLD:
        extra["low_quality"] = True
    if image.first_frame_only:
        extra["first_frame_only"] = True
    return extra


class PdqSignal(SignalType):
    """PDQ photo hash: 64 lowercase hex digits, Hamming distance, threshold 31."""

    name: ClassVar[str] = "pdq"
    content_types: ClassVar[frozenset[ContentType]] = frozenset({ContentType.PHOTO})
    #: Meta's recommended match threshold.
    default_threshold: ClassVar[int] = 31
    #: Beyond 64 bits unrelated photos start to match each other routinely, so a larger
    #: threshold is refused rather than answered with noise (and keeps indexes bounded).
    max_threshold: ClassVar[int] = 64

    def validate(self, value: str) -> str:
        if not isinstance(value, str):
            raise InvalidHash(f"a PDQ hash must be a string, not {type(value).__name__}")
        canonical = value.strip().lower()
        if not _HEX_RE.match(canonical):
            shown = canonical if len(canonical) <= 80 else canonical[:77] + "..."
            reason = ("must be 64 hex digits" if len(canonical) != PDQ_HEX_LENGTH
                      else "contains characters that are not hex digits")
            raise InvalidHash(f"invalid PDQ hash {shown!r}: {reason}",
                              detail={"signal_type": self.name, "length": len(canonical)})
        return canonical

    def hash(self, source: MediaSource, content_type: ContentType = ContentType.PHOTO
             ) -> SignalHash:
        return self.hash_loaded(LoadedMedia.load(source, ContentType.PHOTO))

    def hash_loaded(self, media: LoadedMedia) -> SignalHash:
        """Hash an already-read item (the facade's read-once path)."""
        image = canonical_image(media)
        value, quality = pdq_from_rgb(image.rgb)
        return SignalHash(self.name, value, quality, _extra(image, quality))

    def hash_variants(self, source: MediaSource | LoadedMedia) -> list[SignalHash]:
        """The 8 dihedral variants, index 0 the original (order: :data:`DIHEDRAL_VARIANTS`)."""
        image = canonical_image(LoadedMedia.load(source, ContentType.PHOTO))
        values, quality = pdq_variants_from_rgb(image.rgb)
        return [
            SignalHash(self.name, value, quality, {**_extra(image, quality), "variant": variant})
            for value, variant in zip(values, DIHEDRAL_VARIANTS, strict=True)
        ]

    def distance(self, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    def new_index(self) -> SignalIndex:
        return MultiIndexHammingIndex()
