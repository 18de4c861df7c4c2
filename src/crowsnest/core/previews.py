"""Image previews for reviewers: small, greyscale and blurred by default.

Looking at harmful imagery hurts the people who review it; the field's practice is to show
as little as the task needs. A preview is therefore made *on the server* from the upload
in hand (never stored): at most ``MAX_SIDE`` pixels on the long side, greyscale, and --
in the default mode -- blurred strongly enough that shapes, not content, are visible. The
clear version is sent only when the reviewer's preference allows it, and shown only after
they ask for it, one image at a time (the page decides how).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import ImageFilter, ImageOps

from crowsnest.core.errors import InvalidInput, MediaError
from crowsnest.core.imaging import open_image, to_rgb

#: "blurred": blurred greyscale until revealed (default); "greyscale": sharp but greyscale
#: until revealed in colour; "hidden": no preview at all, only hashes and matches
PREVIEW_MODES = ("blurred", "greyscale", "hidden")
MAX_SIDE = 320
BLUR_RADIUS = 12


@dataclass(frozen=True)
class Preview:
    """JPEG bytes: what is shown first, and what a reveal shows."""

    shown: bytes
    revealed: bytes


def check_mode(mode: str) -> str:
    """``mode`` if it is a known preview mode, else InvalidInput."""
    if mode not in PREVIEW_MODES:
        raise InvalidInput(f"unknown preview mode {mode!r} (one of {', '.join(PREVIEW_MODES)})")
    return mode


def make_preview(data: bytes, mode: str, max_pixels: int) -> Preview | None:
    """The preview of an uploaded image for ``mode`` (None for "hidden" and for videos)."""
    if check_mode(mode) == "hidden":
        return None
    image = open_image(data, max_pixels)
    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at reduced scale, far cheaper
    try:
        image = to_rgb(ImageOps.exif_transpose(image))
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    except Exception as exc:  # noqa: BLE001 - decoders of hostile bytes raise anything
        raise MediaError(f"the image is corrupt or truncated: {exc}") from exc
    grey = ImageOps.grayscale(image)
    if mode == "blurred":
        shown = grey.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
        revealed = grey  # the reveal removes the blur; colour stays off
    else:
        shown, revealed = grey, image
    return Preview(_jpeg(shown), _jpeg(revealed))


def _jpeg(image: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)  # type: ignore[attr-defined]
    return out.getvalue()
