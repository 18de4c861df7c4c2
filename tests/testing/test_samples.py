"""Shipped sample media: present, small, documented, and reproducible from the generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crowsnest.testing.samples import _generate, list_samples, sample_path


def test_samples_are_listed_small_and_documented() -> None:
    names = list_samples()
    assert {"shapes.png", "moving_shapes.mp4", "logo_palette.png", "not_media.txt"} <= set(names)
    assert sum(sample_path(n).stat().st_size for n in names) < 2 * 1024 * 1024
    provenance = (sample_path("shapes.png").parent / "PROVENANCE.md").read_text()
    for name in names:
        assert f"`{name}`" in provenance, f"{name} has no provenance note"


def test_unknown_sample_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no sample named"):
        sample_path("nope.png")
    with pytest.raises(KeyError):
        sample_path("_generate.py")


def test_lossless_samples_are_reproduced_by_the_generator(tmp_path: Path) -> None:
    _generate.write_images(tmp_path)
    for name in ("shapes.png", "logo_rgba.png", "logo_palette.png", "grey16.png"):
        shipped = np.asarray(Image.open(sample_path(name)))
        assert np.array_equal(shipped, np.asarray(Image.open(tmp_path / name))), name
