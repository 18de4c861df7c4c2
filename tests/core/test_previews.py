"""Reviewer previews: small, greyscale, blurred unless the reviewer chose otherwise."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from crowsnest.core.errors import InvalidInput, MediaError, MediaTooLarge
from crowsnest.core.previews import MAX_SIDE, make_preview
from crowsnest.testing.samples import sample_path


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _sharpness(image: Image.Image) -> float:
    pixels = np.asarray(image.convert("L"), dtype=np.float64)
    return float(np.abs(np.diff(pixels, axis=1)).mean())


def test_blurred_mode_shows_blurred_greyscale_and_reveals_sharp_greyscale() -> None:
    preview = make_preview(sample_path("shapes.jpg").read_bytes(), "blurred", 10**8)
    assert preview is not None
    shown, revealed = _open(preview.shown), _open(preview.revealed)
    assert shown.mode == revealed.mode == "L"
    assert max(shown.size) <= MAX_SIDE and shown.size == revealed.size
    assert _sharpness(shown) < _sharpness(revealed) / 3


def test_greyscale_mode_reveals_colour_and_hidden_makes_nothing() -> None:
    data = sample_path("shapes.png").read_bytes()
    preview = make_preview(data, "greyscale", 10**8)
    assert preview is not None
    assert _open(preview.shown).mode == "L" and _open(preview.revealed).mode == "RGB"
    assert make_preview(data, "hidden", 10**8) is None
    with pytest.raises(InvalidInput):
        make_preview(data, "naked", 10**8)


def test_bad_images_are_refused() -> None:
    with pytest.raises(MediaTooLarge):
        make_preview(sample_path("shapes.png").read_bytes(), "blurred", 100)
    with pytest.raises(MediaError):
        make_preview(sample_path("shapes.jpg").read_bytes()[:400], "blurred", 10**8)
