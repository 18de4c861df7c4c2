"""vPDQ video hashing: crowsnest (PyAV + pdqhash) against Meta's reference ``vpdq``.

Usage::

    python benchmarks/bench_vpdq.py [--seconds 30] [--rounds 3]

Generates a benign clip (shapes drifting over a texture that changes every second,
H.264 640x360 at 30 frames/s, made with PyAV) in a temporary folder, hashes it with
``VpdqSignal().frames(path)`` and with ``vpdq.computeHash(path)`` (the reference; needs
``pip install vpdq`` with FFmpeg's dev headers) in the same run, interleaved, and prints
wall-clock seconds per video, the ratio, and the PDQ distance between the two hashes of
every sampled frame. Both decode with FFmpeg threads; hashing runs once per second of video.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

from crowsnest.core.signals.vpdq import VpdqSignal
from crowsnest.testing.samples._generate import scene


def make_clip(path: Path, seconds: int, fps: int = 30, size: tuple[int, int] = (640, 360)
              ) -> None:
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        for index in range(seconds * fps):
            image = scene(*size, seed=100 + index // fps, shift=(index % fps) * 4)
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import vpdq  # the reference; imported here so --help works without it

    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        make_clip(clip, args.seconds)
        signal = VpdqSignal()
        best = {"reference vpdq.computeHash (baseline)": float("inf"),
                "crowsnest VpdqSignal.frames": float("inf")}
        theirs, ours = [], []
        for _ in range(args.rounds):
            start = time.perf_counter()
            theirs = vpdq.computeHash(str(clip), seconds_per_hash=1.0)
            best["reference vpdq.computeHash (baseline)"] = min(
                best["reference vpdq.computeHash (baseline)"], time.perf_counter() - start)
            start = time.perf_counter()
            ours = signal.frames(clip)
            best["crowsnest VpdqSignal.frames"] = min(
                best["crowsnest VpdqSignal.frames"], time.perf_counter() - start)
        distances = [(int(a.pdq_hex, 16) ^ int(b.hex, 16)).bit_count()
                     for a, b in zip(ours, theirs, strict=True)]
        print(f"clip: {args.seconds} s, 640x360, 30 frames/s, H.264, "
              f"{clip.stat().st_size / 1024:.0f} KiB; {len(ours)} frames sampled")
        base = best["reference vpdq.computeHash (baseline)"]
        print("\n| pipeline | seconds per video | vs baseline |\n|---|---|---|")
        for label, seconds in best.items():
            print(f"| {label} | {seconds:.2f} | {base / seconds:.2f}x |")
        print(f"\nper-frame PDQ distance, crowsnest vs reference: mean "
              f"{statistics.mean(distances):.2f}, max {max(distances)}; frame numbers equal: "
              f"{[f.frame_number for f in ours] == [f.frame_number for f in theirs]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
