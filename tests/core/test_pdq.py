"""The PDQ signal type: reference hex convention, validation, distance, variants, quality."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from media_factories import encode, textured
from PIL import Image

from crowsnest.core import registry
from crowsnest.core.errors import InvalidHash, UnknownSignalType
from crowsnest.core.index.mih import MultiIndexHammingIndex
from crowsnest.core.signals.base import ContentType, SignalType
from crowsnest.core.signals.pdq import DIHEDRAL_VARIANTS, PdqSignal, pdq_from_rgb
from crowsnest.testing.samples import sample_path

PDQ = PdqSignal()
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)


def reference_hex_from_dct(rgb: np.ndarray) -> str:
    """Rebuild the reference Hash256 words from PDQ's 16x16 DCT output, then format them.

    Reference rule: bit k (row-major over the 16x16 coefficients) is set when coefficient
    k exceeds the median; bit k lives in word w[k >> 4] at position k & 15; ``format()``
    prints w[15] first, each as 4 hex digits.
    """
    reversed_coefficients, _ = pdqhash.compute_float(rgb)
    coefficients = np.asarray(reversed_coefficients)[::-1]
    median = np.median(coefficients)
    words = [0] * 16
    for k, value in enumerate(coefficients):
        if value > median:
            words[k >> 4] |= 1 << (k & 15)
    return "".join(f"{w:04x}" for w in reversed(words))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hex_follows_the_reference_word_order(seed: int) -> None:
    rgb = np.asarray(textured(200, 150, seed=seed))
    assert pdq_from_rgb(rgb)[0] == reference_hex_from_dct(rgb)


def test_registered_under_its_literal_name() -> None:
    signal = registry.signal_type("pdq")
    assert isinstance(signal, PdqSignal) and isinstance(signal, SignalType)
    assert signal.content_types == {ContentType.PHOTO}
    assert (signal.default_threshold, signal.max_threshold) == (31, 64)
    assert isinstance(signal.new_index(), MultiIndexHammingIndex)


def test_unknown_signal_type_is_a_typed_error() -> None:
    with pytest.raises(UnknownSignalType, match="'nope'.*known: md5, pdq, sha256, vpdq"):
        registry.signal_type("nope")


def test_hash_of_a_sample() -> None:
    result = PDQ.hash(sample_path("shapes.png"))
    assert result.signal_type == "pdq" and len(result.value) == 64
    assert result.value == result.value.lower() and result.quality is not None
    assert result.quality >= 80 and "low_quality" not in result.extra
    assert PDQ.validate(result.value) == result.value


def test_low_quality_is_reported_not_hidden() -> None:
    flat = PDQ.hash(sample_path("flat_grey.png"))
    assert flat.quality is not None and flat.quality < 50
    assert flat.extra["low_quality"] is True
    assert len(flat.value) == 64  # still a real hash, never an empty string


@given(HEX)
def test_validate_canonicalises(value: str) -> None:
    assert PDQ.validate(f"  {value.upper()}\n") == value


@pytest.mark.parametrize("bad", ["", "abc", "0" * 63, "0" * 65, "g" * 64, "0x" + "0" * 62,
                                 "0" * 32 + " " + "0" * 31])
def test_validate_rejects_malformed(bad: str) -> None:
    with pytest.raises(InvalidHash, match="invalid PDQ hash"):
        PDQ.validate(bad)


def test_validate_rejects_non_strings() -> None:
    with pytest.raises(InvalidHash):
        PDQ.validate(None)  # type: ignore[arg-type]


@settings(max_examples=50)
@given(HEX, st.sets(st.integers(0, 255), max_size=80))
def test_distance_is_hamming(value: str, flips: set[int]) -> None:
    number = int(value, 16)
    for bit in flips:
        number ^= 1 << bit
    other = f"{number:064x}"
    assert PDQ.distance(value, other) == len(flips)
    assert PDQ.matches(value, other) is (len(flips) <= 31)


TRANSFORMS = [
    None,
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180,
    Image.Transpose.ROTATE_270,
    Image.Transpose.FLIP_TOP_BOTTOM,
    Image.Transpose.FLIP_LEFT_RIGHT,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
]


def test_dihedral_variants_are_close_to_the_hashes_of_the_transformed_images() -> None:
    # Exact only up to PDQ's own filter asymmetries (the reference behaves the same):
    # on this sample every variant is within 16 bits of the transformed image's hash,
    # and far (> 100 bits) from every other variant.
    image = Image.open(sample_path("shapes.png")).convert("RGB")
    variants = PDQ.hash_variants(encode(image, "PNG"))
    assert [v.extra["variant"] for v in variants] == list(DIHEDRAL_VARIANTS)
    assert variants[0].value == PDQ.hash(encode(image, "PNG")).value
    for index, transform in enumerate(TRANSFORMS[1:], start=1):
        transformed = PDQ.hash(encode(image.transpose(transform), "PNG")).value
        nearest = min(range(8), key=lambda i: PDQ.distance(variants[i].value, transformed))
        assert nearest == index, DIHEDRAL_VARIANTS[index]
        assert PDQ.distance(variants[index].value, transformed) <= 16
        assert all(PDQ.distance(variants[i].value, transformed) > 100
                   for i in range(8) if i != index)


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (1, 500), (500, 1)])
def test_tiny_and_degenerate_images_hash_with_low_quality(size: tuple[int, int]) -> None:
    result = PDQ.hash(encode(textured(*size), "PNG"))
    assert len(result.value) == 64
    assert result.quality == 0 and result.extra["low_quality"] is True
