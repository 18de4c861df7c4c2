"""Builders of benign test images and broken inputs shared by the hashing tests."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from crowsnest.testing.samples import sample_path


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def textured(width: int = 256, height: int = 192, seed: int = 3) -> Image.Image:
    """A smooth random texture (high PDQ quality) as RGB."""
    rng = np.random.default_rng(seed)
    coarse = (rng.random((8, 10, 3)) * 255).astype(np.uint8)
    return Image.fromarray(coarse).resize((width, height), Image.BICUBIC)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def png_bomb(side: int = 50_000) -> bytes:
    """A valid 1-bit greyscale PNG of ``side`` x ``side`` pixels, all black, a few 100 kB."""
    row = b"\x00" + bytes((side + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(side)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is edited to announce ``width`` x ``height``."""
    data = bytearray(sample_path("shapes.jpg").read_bytes())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def make_video(path: Path, *, seconds: float = 3, fps: Fraction | int = 10,
               size: tuple[int, int] = (160, 120), codec: str = "libx264",
               container_format: str = "mp4", seed: int = 20) -> bytes:
    """Encode a benign clip of drifting shapes (a new background each second)."""
    import av

    from crowsnest.testing.samples._generate import scene

    rate = Fraction(fps)
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = 1 / rate
        total = int(seconds * rate)
        for index in range(total):
            second = int(index / rate)
            image = scene(*size, seed=seed + second, shift=(index % 10) * 3)
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path.read_bytes()
