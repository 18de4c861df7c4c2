"""Opening images safely and turning every image mode into one canonical RGB array.

Safety: the pixel count is read from the header and checked against ``max_pixels``
*before* any pixel data is decoded, so a decompression bomb (a tiny file announcing a huge
image) is refused with ``MediaTooLarge`` without spending memory. Truncated or corrupt
data raises ``MediaError``; bytes that are no image raise ``UnsupportedMedia``.

Canonical pixels (one code path for every mode, see docs/hashing.md):

1. The first frame only (animated GIF/WebP/PNG, multi-page TIFF, HEIF sequences); the
   caller learns it through ``first_frame_only``.
2. Large JPEGs are decoded at 1/2, 1/4 or 1/8 scale (DCT scaling, ``Image.draft``),
   keeping both sides at least :data:`WORKING_MIN_SIDE` pixels. PDQ box-filters down to
   64x64 anyway; on wallpaper photos this stays within 4 bits of a full decode at a
   fraction of the time and memory (benchmarks/bench_hashing.py). Other formats are
   decoded at full size: a box reduction moved some textured WebPs by up to 18 bits.
3. EXIF orientation is applied, so a photo hashes as it is displayed.
4. Mode conversion: 16-bit and 32-bit integer greyscale are scaled (not clipped) to 8
   bits; CMYK goes through its embedded ICC profile when it has one; palette, 1-bit and
   the rest go through Pillow's converters; any alpha channel or transparency key is
   flattened onto :data:`ALPHA_BACKGROUND` (white).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms, ImageOps
from pillow_heif import register_heif_opener

from crowsnest.core.errors import MediaError, MediaTooLarge, UnsupportedMedia
from crowsnest.core.media import DEFAULT_MAX_PIXELS, sniff_image_format

# HEIC comes from pillow-heif; AVIF is read by Pillow itself (>= 11.3), which is
# maintained with Pillow, so only the HEIF opener is registered here.
register_heif_opener()

#: Transparent pixels are composited onto white: transparent images (logos, stickers,
#: screenshots, web graphics) are almost always shown on a white page, so white
#: reproduces what a viewer sees; and it is one fixed choice, so a palette image, its
#: RGBA form and its flattened RGB form all hash the same.
ALPHA_BACKGROUND = (255, 255, 255)
#: Smallest side kept when a large JPEG is decoded at reduced scale: twice the 512 px the
#: PDQ reference tool resizes to (at 512 the hash moved by up to 14 bits, at 1024 by 4).
WORKING_MIN_SIDE = 1024

_ALPHA_MODES = frozenset({"RGBA", "LA", "La", "RGBa", "PA"})
_INT_GREY_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})


@dataclass(frozen=True)
class CanonicalImage:
    """Canonical RGB pixels of one image, plus facts about how they were obtained."""

    rgb: np.ndarray  # (height, width, 3) uint8, C-contiguous
    original_size: tuple[int, int]  # (width, height) as stored in the file
    format: str
    mode: str  # the file's own mode before conversion
    first_frame_only: bool


def open_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open ``data`` lazily (header only) after checking the pixel count.

    Raises ``UnsupportedMedia`` for bytes that are no image, ``MediaTooLarge`` above
    ``max_pixels`` and ``MediaError`` for a damaged header.
    """
    if sniff_image_format(data) is None:
        raise UnsupportedMedia("the bytes are not an image in a supported format")
    with warnings.catch_warnings():
        # our own limit replaces Pillow's global one; its warning would only be noise
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)  # e.g. "Corrupt EXIF data"
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            # Pillow's own (looser) guard fired while reading the header
            count = re.search(r"\((\d+) pixels\)", str(exc))
            raise _too_large(None, max_pixels, int(count.group(1)) if count else None) from exc
        except Exception as exc:  # noqa: BLE001 - decoders of hostile bytes raise anything
            raise MediaError(f"the image is corrupt or truncated: {_describe(exc)}") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise MediaError(f"the image has an empty size {width}x{height}")
    if width * height > max_pixels:
        raise _too_large((width, height), max_pixels)
    return image


def _too_large(size: tuple[int, int] | None, max_pixels: int, count: int | None = None
               ) -> MediaTooLarge:
    count = size[0] * size[1] if size else count
    shown = (f"{size[0]}x{size[1]} pixels" if size else
             f"{count} pixels" if count else "too many pixels")
    return MediaTooLarge(
        f"refused before decoding: the image is {shown}, above the limit of {max_pixels} "
        "pixels (possible decompression bomb)",
        detail={"max_pixels": max_pixels, "size": list(size) if size else None,
                "pixels": count},
    )


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_canonical(
    data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, *, reduce: bool = True
) -> CanonicalImage:
    """Decode the first frame of ``data`` into canonical RGB (see the module docstring).

    ``reduce=False`` decodes JPEGs at full size too (the benchmark's reference path).
    """
    image = open_image(data, max_pixels)
    original_size, fmt, mode = image.size, image.format or "unknown", image.mode
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.simplefilter("ignore", UserWarning)  # palette-transparency notices
            # counting frames reads the whole file for some formats; then back to frame 0
            first_only = bool(getattr(image, "n_frames", 1) > 1)
            image.seek(0)
            if reduce:
                _request_draft(image)
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # we own it: spare a full copy
            rgb = to_rgb(image)
    except MediaError:
        raise
    except MemoryError as exc:
        raise MediaTooLarge("the image needs more memory than is available to decode") from exc
    except Exception as exc:  # noqa: BLE001 - decoders of hostile bytes raise anything
        raise MediaError(f"the image is corrupt or truncated: {_describe(exc)}") from exc
    pixels = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    return CanonicalImage(pixels, original_size, fmt, mode, first_only)


def _request_draft(image: Image.Image) -> None:
    # JPEG only: DCT scaling by 1/2, 1/4 or 1/8 while decoding, never below the working size
    if image.format == "JPEG" and min(image.size) >= 2 * WORKING_MIN_SIDE:
        image.draft(None, (WORKING_MIN_SIDE, WORKING_MIN_SIDE))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in _ALPHA_MODES or "transparency" in image.info


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow image -> mode ``RGB``, the single conversion path PDQ hashes from."""
    if image.mode in _INT_GREY_MODES:
        image = _int_grey_to_l(image)
    elif image.mode == "F":
        image = Image.fromarray(np.clip(np.asarray(image), 0, 255).astype(np.uint8), "L")
    elif image.mode == "CMYK":
        image = _cmyk_to_rgb(image)
    if image.mode == "RGB" and "transparency" not in image.info:
        return image  # already canonical: spare a copy
    if image.mode == "La":  # premultiplied; Pillow converts it only to LA
        image = image.convert("LA")
    if _has_alpha(image):
        rgba = image.convert("RGBA")  # applies palette alpha and tRNS transparency keys
        background = Image.new("RGBA", rgba.size, (*ALPHA_BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _int_grey_to_l(image: Image.Image) -> Image.Image:
    # Pillow's own I;16 -> L conversion clips at 255 (a 16-bit photo turns white);
    # scale the full 16-bit range instead. 32-bit "I" images from PNG/TIFF carry 16-bit
    # samples, so they are scaled the same way after clipping to that range.
    values = np.asarray(image).astype(np.uint32)
    scaled = (np.clip(values, 0, 65535) * 255 + 32767) // 65535
    return Image.fromarray(scaled.astype(np.uint8), "L")


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile falls back to the plain formula below
    return image.convert("RGB")
