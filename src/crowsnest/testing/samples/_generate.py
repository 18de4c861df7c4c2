"""Regenerate the benign sample media in this folder (deterministic: fixed seeds).

Run ``python -m crowsnest.testing.samples._generate``. Every picture is drawn here with
numpy and Pillow -- gradients, geometric shapes and noise textures -- and the video is
encoded with PyAV. Nothing is downloaded. See PROVENANCE.md.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent


def scene(width: int = 320, height: int = 240, seed: int = 1, shift: int = 0) -> Image.Image:
    """A textured gradient with a few coloured shapes; ``shift`` moves the shapes."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([x / width * 255, y / height * 255, (x + y) / (width + height) * 255], -1)
    # low-frequency blotches give PDQ's DCT something to bite on
    coarse = rng.random((6, 8, 3)).astype(np.float32) * 120
    blotches = np.asarray(
        Image.fromarray(coarse.astype(np.uint8)).resize((width, height), Image.BICUBIC),
        dtype=np.float32)
    pixels = np.clip(base * 0.6 + blotches + rng.normal(0, 6, (height, width, 3)), 0, 255)
    image = Image.fromarray(pixels.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    w, h = width, height
    draw.ellipse((w * 0.1 + shift, h * 0.15, w * 0.4 + shift, h * 0.55), fill=(230, 40, 40))
    draw.rectangle((w * 0.55, h * 0.2 + shift / 2, w * 0.9, h * 0.45 + shift / 2),
                   fill=(30, 60, 200))
    draw.polygon([(w * 0.3 - shift, h * 0.95), (w * 0.5 - shift, h * 0.6),
                  (w * 0.7 - shift, h * 0.95)], fill=(250, 220, 30))
    return image


def logo_rgba(size: int = 200) -> Image.Image:
    """Shapes on a fully transparent background, with a soft-edged (half alpha) ring."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, size - 20, size - 20), fill=(20, 120, 60, 255))
    draw.ellipse((50, 50, size - 50, size - 50), fill=(0, 0, 0, 0))
    draw.rectangle((size // 2 - 10, 10, size // 2 + 10, size - 10), fill=(200, 30, 30, 128))
    draw.polygon([(10, size - 10), (60, size - 70), (110, size - 10)], fill=(240, 200, 0, 255))
    return image


def grey16(width: int = 256, height: int = 192) -> Image.Image:
    """A 16-bit greyscale gradient with rings (uses the full 0-65535 range)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    rings = (np.sin(np.hypot(x - width / 3, y - height / 2) / 9) + 1) / 2
    values = (x / width * 0.6 + rings * 0.4) * 65535
    return Image.fromarray(values.astype(np.uint16))


def write_images(out: Path) -> None:
    base = scene()
    base.save(out / "shapes.png")
    base.save(out / "shapes.jpg", quality=90)
    base.save(out / "shapes.webp", lossless=True)
    base.save(out / "shapes.bmp")
    base.save(out / "shapes.tif", compression="tiff_deflate")
    base.convert("CMYK").save(out / "shapes_cmyk.jpg", quality=92)
    base.convert("1").save(out / "shapes_bitonal.png")
    # EXIF orientation 6: stored rotated, displayed upright after a 90-degree turn
    exif = Image.Exif()
    exif[0x0112] = 6
    base.transpose(Image.Transpose.ROTATE_90).save(out / "shapes_exif_rotated.jpg",
                                                   quality=90, exif=exif)
    from pillow_heif import register_heif_opener

    register_heif_opener()
    base.save(out / "shapes.heic", quality=90)
    base.save(out / "shapes.avif", quality=90)
    logo = logo_rgba()
    logo.save(out / "logo_rgba.png")
    logo.quantize(64, method=Image.Quantize.FASTOCTREE).save(out / "logo_palette.png")
    grey16().save(out / "grey16.png")
    grey16().save(out / "grey16.tif")
    frames = [scene(160, 120, seed=2, shift=s) for s in (0, 12, 24, 36)]
    frames[0].save(out / "animated.gif", save_all=True, append_images=frames[1:],
                   duration=200, loop=0)
    frames[0].save(out / "animated.webp", save_all=True, append_images=frames[1:],
                   duration=200, loop=0, lossless=True)
    # a flat image: PDQ reports low quality for it
    Image.new("RGB", (64, 64), (128, 128, 128)).save(out / "flat_grey.png")


def write_video(path: Path, seconds: int = 4, fps: int = 10, size: tuple[int, int] = (160, 120)
                ) -> None:
    """H.264 MP4 of shapes drifting over a texture; every second looks different."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "26", "preset": "medium", "threads": "1"}
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(seconds * fps):
            seed = 10 + index // fps  # a new background each second
            image = scene(*size, seed=seed, shift=(index % fps) * 3)
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    path.write_bytes(buffer.getvalue())


def main() -> None:
    write_images(HERE)
    write_video(HERE / "moving_shapes.mp4")
    (HERE / "not_media.txt").write_text(
        "crowsnest sample: a plain text file, hashed only with md5 and sha256.\n")


if __name__ == "__main__":
    main()
