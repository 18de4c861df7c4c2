"""Decoding video frames for vPDQ with PyAV (its wheels bundle FFmpeg: no system packages).

Frame sampling follows Meta's reference ``vpdq`` (``filehasher.cpp``): the frame rate is
the stream's average rate (falling back to its real base rate), every decoded frame gets
a 0-based number in decoding output order, and frame ``n`` is sampled when
``n % max(1, int(seconds_per_hash * frame_rate)) == 0``; its timestamp is
``n / frame_rate``. Sampled frames are converted to RGB24 at full size, as the reference
does, and handed to PDQ.

Limits: the frame size is checked against ``max_pixels`` before decoding, and decoding
stops with ``MediaTooLarge`` after ``max_frames`` frames, so a tiny file announcing hours
of video cannot keep a worker busy without bound.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import av
import numpy as np

from crowsnest.core.errors import MediaError, MediaTooLarge, UnsupportedMedia

#: Decoded frames allowed per video by default: about 4.6 hours at 30 frames/s.
DEFAULT_MAX_FRAMES = 500_000


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its number, timestamp (seconds) and RGB24 pixels."""

    frame_number: int
    timestamp: float
    rgb: np.ndarray


def sample_frames(
    data: bytes,
    *,
    seconds_per_hash: float = 1.0,
    max_pixels: int,
    max_frames: int = DEFAULT_MAX_FRAMES,
) -> Iterator[SampledFrame]:
    """Yield the frames vPDQ hashes, in order. Raises ``MediaError`` subclasses."""
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except av.FFmpegError as exc:
        raise MediaError(f"the video cannot be opened: {exc}") from exc
    with container:
        if not container.streams.video:
            raise UnsupportedMedia("the file has no video stream")
        stream = container.streams.video[0]
        _check_frame_size(stream, max_pixels)
        rate = _frame_rate(stream)
        every = max(1, int(seconds_per_hash * rate)) if seconds_per_hash > 0 else 1
        stream.thread_type = "AUTO"  # decoding threads; frame output order is unchanged
        yield from _decode(container, stream, rate, every, max_frames)


def _check_frame_size(stream: av.video.stream.VideoStream, max_pixels: int) -> None:
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise MediaError("the video stream has no frame size")
    if width * height > max_pixels:
        raise MediaTooLarge(
            f"refused before decoding: video frames are {width}x{height} pixels, above the "
            f"limit of {max_pixels} pixels",
            detail={"max_pixels": max_pixels, "size": [width, height]},
        )


def _frame_rate(stream: av.video.stream.VideoStream) -> float:
    rate = stream.average_rate or stream.base_rate or stream.guessed_rate
    if not rate or float(rate) <= 0:
        raise MediaError("the video's frame rate is unknown")
    return float(rate)


def _decode(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    rate: float,
    every: int,
    max_frames: int,
) -> Iterator[SampledFrame]:
    number = -1
    try:
        for frame in container.decode(stream):
            number += 1
            if number >= max_frames:
                raise MediaTooLarge(
                    f"the video has more than {max_frames} frames",
                    detail={"max_frames": max_frames},
                )
            if number % every == 0:
                # SWS area scaling, as the reference's sws context (only colour conversion
                # happens at full size, but the flag also selects the chroma filter)
                rgb = frame.to_ndarray(format="rgb24", interpolation="AREA")
                yield SampledFrame(number, number / rate, rgb)
    except av.FFmpegError as exc:
        # like the reference, a decoding error fails the whole video (no partial hash)
        raise MediaError(f"the video cannot be decoded (frame {number + 1}): {exc}") from exc
    if number < 0:
        raise MediaError("the video contains no decodable frame")
