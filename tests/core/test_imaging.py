"""Safe image opening and the one canonical pixel path every image mode goes through."""

from __future__ import annotations

import resource

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from media_factories import encode, jpeg_claiming, png_bomb, textured
from PIL import Image

from crowsnest.core.errors import MediaError, MediaTooLarge, UnsupportedMedia
from crowsnest.core.imaging import ALPHA_BACKGROUND, WORKING_MIN_SIDE, load_canonical, to_rgb
from crowsnest.core.signals.pdq import pdq_from_rgb
from crowsnest.testing.samples import sample_path


def pdq(data: bytes) -> tuple[str, int]:
    return pdq_from_rgb(load_canonical(data).rgb)


def bits(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


REFERENCE = "shapes.png"


@pytest.mark.parametrize("name,max_bits", [
    ("shapes.bmp", 0), ("shapes.tif", 0), ("shapes.webp", 0),  # lossless: identical
    ("shapes.jpg", 8), ("shapes.heic", 12), ("shapes.avif", 12), ("shapes_cmyk.jpg", 12),
    ("shapes_exif_rotated.jpg", 12),
])
def test_every_format_of_one_picture_hashes_alike(name: str, max_bits: int) -> None:
    reference, _ = pdq(sample_path(REFERENCE).read_bytes())
    value, quality = pdq(sample_path(name).read_bytes())
    assert quality >= 80
    assert bits(reference, value) <= max_bits


def test_palette_rgba_and_flattened_rgb_hash_identically() -> None:
    rgba = Image.open(sample_path("logo_palette.png")).convert("RGBA")
    palette = Image.open(sample_path("logo_palette.png"))
    assert palette.mode == "P" and "transparency" in palette.info
    flattened = Image.new("RGB", rgba.size, ALPHA_BACKGROUND)
    flattened.paste(rgba, mask=rgba.getchannel("A"))
    hashes = {pdq(encode(img, "PNG"))[0] for img in (palette, rgba, flattened)}
    assert len(hashes) == 1
    # ... and the same holds for a palette image without transparency
    opaque = textured().quantize(32)
    assert pdq(encode(opaque, "PNG")) == pdq(encode(opaque.convert("RGB"), "PNG"))
    assert pdq(encode(opaque, "GIF")) == pdq(encode(opaque.convert("RGBA"), "PNG"))


def test_transparent_pixels_become_white_whatever_colour_they_hide() -> None:
    pixels = np.zeros((40, 60, 4), np.uint8)
    pixels[..., :3] = (10, 200, 30)  # hidden colour under alpha 0
    pixels[10:30, 10:30] = (0, 0, 255, 255)
    hidden_green = Image.fromarray(pixels, "RGBA")
    pixels[..., :3][pixels[..., 3] == 0] = (0, 0, 0)
    hidden_black = Image.fromarray(pixels, "RGBA")
    rgb_a = load_canonical(encode(hidden_green, "PNG")).rgb
    rgb_b = load_canonical(encode(hidden_black, "PNG")).rgb
    assert np.array_equal(rgb_a, rgb_b)
    assert tuple(rgb_a[0, 0]) == ALPHA_BACKGROUND and tuple(rgb_a[15, 15]) == (0, 0, 255)


def test_half_transparency_blends_onto_white() -> None:
    image = Image.new("LA", (8, 8), (0, 128))
    rgb = to_rgb(image)
    assert rgb.getpixel((0, 0)) in {(127, 127, 127), (128, 128, 128)}
    assert to_rgb(Image.new("PA", (4, 4))).mode == "RGB"


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    sixteen = load_canonical(sample_path("grey16.png").read_bytes())
    raw = np.asarray(Image.open(sample_path("grey16.png")), dtype=np.float64)
    expected = np.round(raw / 257)
    assert np.abs(sixteen.rgb[..., 0] - expected).max() <= 1
    assert sixteen.rgb.min() < 50 and sixteen.rgb.max() > 200  # full range kept
    eight_bit = encode(Image.fromarray(expected.astype(np.uint8), "L"), "PNG")
    assert bits(pdq(sample_path("grey16.png").read_bytes())[0], pdq(eight_bit)[0]) <= 4
    tiff, png = (sample_path(n).read_bytes() for n in ("grey16.tif", "grey16.png"))
    assert pdq(tiff) == pdq(png)


def test_32_bit_integer_and_float_modes_convert() -> None:
    values = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.int32)
    as_i = load_canonical(encode(Image.fromarray(values, "I"), "TIFF")).rgb
    assert as_i.shape == (64, 64, 3) and as_i.max() > 200
    as_f = to_rgb(Image.fromarray(np.full((4, 4), 300.0, np.float32), "F"))
    assert as_f.getpixel((0, 0)) == (255, 255, 255)


def test_cmyk_and_bitonal_convert_to_rgb() -> None:
    cmyk = load_canonical(sample_path("shapes_cmyk.jpg").read_bytes())
    assert cmyk.mode == "CMYK" and cmyk.rgb.shape == (240, 320, 3)
    bitonal = load_canonical(sample_path("shapes_bitonal.png").read_bytes())
    assert set(np.unique(bitonal.rgb)) <= {0, 255}


def test_exif_orientation_is_applied() -> None:
    rotated = load_canonical(sample_path("shapes_exif_rotated.jpg").read_bytes())
    assert rotated.original_size == (240, 320)  # stored sideways
    assert rotated.rgb.shape == (240, 320, 3)  # hashed upright


@pytest.mark.parametrize("name", ["animated.gif", "animated.webp"])
def test_animations_hash_their_first_frame(name: str) -> None:
    loaded = load_canonical(sample_path(name).read_bytes())
    assert loaded.first_frame_only
    first = Image.open(sample_path(name))
    first.seek(0)
    assert bits(pdq_from_rgb(loaded.rgb)[0], pdq_from_rgb(np.asarray(first.convert("RGB")))[0]) == 0
    assert not load_canonical(sample_path("shapes.png").read_bytes()).first_frame_only


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_bomb(50_000)
    assert len(bomb) < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(MediaTooLarge, match="2500000000 pixels.*decompression bomb"):
        load_canonical(bomb)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200 * 1024  # decoding would need >= 2.5 GB


def test_pixel_limit_is_checked_from_the_header() -> None:
    # the edited header cannot even be decoded: refusal must come first
    with pytest.raises(MediaTooLarge) as caught:
        load_canonical(jpeg_claiming(60_000, 60_000))
    assert caught.value.detail["pixels"] == 3_600_000_000
    small = sample_path("shapes.png").read_bytes()
    with pytest.raises(MediaTooLarge) as caught:
        load_canonical(small, max_pixels=320 * 240 - 1)
    assert caught.value.detail == {"max_pixels": 76799, "size": [320, 240], "pixels": 76800}
    assert load_canonical(small, max_pixels=320 * 240).rgb.shape == (240, 320, 3)


@pytest.mark.parametrize("name", ["shapes.png", "shapes.jpg", "shapes.webp", "shapes.tif",
                                  "shapes.bmp", "animated.gif", "shapes.heic"])
def test_truncated_images_raise_media_error(name: str) -> None:
    data = sample_path(name).read_bytes()
    for cut in (len(data) // 2, 40):
        with pytest.raises(MediaError, match="corrupt or truncated|empty size"):
            load_canonical(data[:cut])


def test_corrupt_pixel_data_raises_media_error() -> None:
    data = bytearray(sample_path("shapes.png").read_bytes())
    data[200:4000] = bytes(3800)  # zero out compressed pixel data, keep the header
    with pytest.raises(MediaError, match="corrupt or truncated"):
        load_canonical(bytes(data))


def test_non_image_and_empty_bytes_are_refused() -> None:
    with pytest.raises(UnsupportedMedia, match="not an image"):
        load_canonical(sample_path("not_media.txt").read_bytes())
    with pytest.raises(UnsupportedMedia):
        load_canonical(sample_path("moving_shapes.mp4").read_bytes())
    with pytest.raises(UnsupportedMedia):
        load_canonical(b"")


def test_large_jpegs_are_decoded_at_reduced_scale_close_to_a_full_decode() -> None:
    side = WORKING_MIN_SIDE * 2
    data = encode(textured(side + 200, side, seed=9), "JPEG", quality=92)
    reduced = load_canonical(data)
    full = load_canonical(data, reduce=False)
    assert full.rgb.shape == (side, side + 200, 3)
    assert reduced.rgb.shape == (side // 2, (side + 200) // 2, 3)  # DCT scale 1/2
    assert bits(pdq_from_rgb(reduced.rgb)[0], pdq_from_rgb(full.rgb)[0]) <= 10
    # other formats are always decoded at full size
    png = encode(textured(side + 200, side, seed=9), "PNG")
    assert load_canonical(png).rgb.shape == (side, side + 200, 3)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 40), st.integers(1, 40), st.integers(0, 2**32 - 1),
    st.one_of(st.none(), st.integers(0, 15)),
)
def test_any_palette_image_flattens_like_its_rgba_form(w: int, h: int, seed: int,
                                                       transparent: int | None) -> None:
    rng = np.random.default_rng(seed)
    palette_image = Image.fromarray(rng.integers(0, 16, (h, w), dtype=np.uint8), "P")
    palette_image.putpalette(rng.integers(0, 256, 16 * 3, dtype=np.uint8).tobytes())
    if transparent is not None:
        palette_image.info["transparency"] = transparent
    via_palette = np.asarray(to_rgb(palette_image))
    via_rgba = np.asarray(to_rgb(palette_image.convert("RGBA")))
    assert via_palette.shape == (h, w, 3)
    assert np.array_equal(via_palette, via_rgba)
    if transparent is not None:
        hidden = np.asarray(palette_image) == transparent
        assert (via_palette[hidden] == ALPHA_BACKGROUND).all()


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK",
                        "YCbCr", "LAB", "HSV", "I", "I;16", "I;16B", "F"]),
       st.integers(1, 30), st.integers(1, 30))
def test_every_mode_converts_to_rgb_of_the_same_size(mode: str, w: int, h: int) -> None:
    rgb = to_rgb(Image.new(mode, (w, h)))
    assert rgb.mode == "RGB" and rgb.size == (w, h)
