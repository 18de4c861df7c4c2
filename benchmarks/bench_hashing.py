"""PDQ photo hashing: crowsnest's pipeline against ``pdqhash`` on a full Pillow decode.

Usage::

    python benchmarks/bench_hashing.py [FOLDER ...] [--rounds 3]

FOLDER defaults to /usr/share/backgrounds, where the Debian packages ``mate-backgrounds``,
``ukui-wallpapers`` and ``lomiri-wallpapers-20.04`` install benign wallpaper photos
(``apt-get install mate-backgrounds ukui-wallpapers lomiri-wallpapers-20.04``). Every
JPEG, PNG and WebP below the folders is used. Files are read into memory first, so disk
speed is not measured.

Measured in the same run, on the same bytes:

* baseline -- ``Image.open(...).convert("RGB")`` at full size, then ``pdqhash.compute``
  (what python-threatexchange and HMA do, minus their palette/alpha handling);
* crowsnest -- ``PdqSignal().hash(bytes)``: sniffing, header-first pixel limit, JPEG DCT
  scaling (``Image.draft``) to a smallest side of at least ``WORKING_MIN_SIDE``, EXIF
  orientation, canonical RGB conversion;
* crowsnest at full size -- the same pipeline without DCT scaling, to separate the
  scaling's gain from the pipeline's own cost.

It prints images per CPU-second (best of ``--rounds``; every pipeline is
single-threaded), the ratio to the baseline, and the Hamming distance of crowsnest's
hashes to the baseline's (mean, max) for images of PDQ quality >= 80, split into JPEGs
(where DCT scaling applies), other opaque images, and images with transparency (which
differ on purpose: crowsnest flattens them onto white, the baseline drops the alpha
channel). ``--sides 512,1024`` also tries other ``WORKING_MIN_SIDE`` values.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageOps

from crowsnest.core import imaging
from crowsnest.core.imaging import load_canonical
from crowsnest.core.signals.pdq import PdqSignal, bits_to_hex, pdq_from_rgb

Image.MAX_IMAGE_PIXELS = None  # benign wallpapers; the baseline should not refuse them
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def baseline(data: bytes) -> tuple[str, int]:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    bits, quality = pdqhash.compute(np.asarray(image))
    return bits_to_hex(bits), int(quality)


def crowsnest_reduced(data: bytes) -> tuple[str, int]:
    result = PdqSignal().hash(data)
    return result.value, int(result.quality or 0)


def crowsnest_full(data: bytes) -> tuple[str, int]:
    return pdq_from_rgb(load_canonical(data, reduce=False).rgb)


Pipeline = Callable[[bytes], tuple[str, int]]


def timed(fn: Pipeline, items: list[bytes]) -> tuple[float, list[tuple[str, int]]]:
    # CPU time of this (single-threaded) process: steadier than wall time on a machine
    # shared with other work, and equal to it on an idle one
    start = time.process_time()
    results = [fn(item) for item in items]
    return time.process_time() - start, results


def compare(pipelines: dict[str, Pipeline], items: list[bytes], rounds: int
            ) -> dict[str, tuple[float, list[tuple[str, int]]]]:
    """Best-of-``rounds`` images/s per pipeline; rounds interleave the pipelines so that
    load from other processes on the machine affects each of them alike."""
    best: dict[str, float] = {}
    results: dict[str, list[tuple[str, int]]] = {}
    for _ in range(rounds):
        for label, fn in pipelines.items():
            seconds, results[label] = timed(fn, items)
            best[label] = min(best.get(label, float("inf")), seconds)
    return {label: (len(items) / best[label], results[label]) for label in pipelines}


def distances(a: list[tuple[str, int]], b: list[tuple[str, int]]) -> list[int]:
    return [(int(x[0], 16) ^ int(y[0], 16)).bit_count() for x, y in zip(a, b, strict=True)]


def describe(values: list[int]) -> str:
    if not values:
        return "n/a"
    return f"mean {statistics.mean(values):.1f}, max {max(values)}"


def _groups(items: list[bytes], base: list[tuple[str, int]]) -> list[tuple[str, list[int]]]:
    """Quality >= 80 images split by what crowsnest does differently with them."""
    jpeg, opaque, alpha = [], [], []
    for index, data in enumerate(items):
        if base[index][1] < 80:
            continue
        image = Image.open(io.BytesIO(data))
        if imaging._has_alpha(image):
            alpha.append(index)  # deliberate: we flatten onto white, the baseline drops alpha
        elif image.format == "JPEG":
            jpeg.append(index)
        else:
            opaque.append(index)
    return [("JPEG q>=80", jpeg), ("other opaque q>=80", opaque), ("with alpha q>=80", alpha)]


def _row(label: str, rate: float, base_rate: float, dist: list[int],
         groups: list[tuple[str, list[int]]]) -> None:
    cells = " | ".join(describe([dist[i] for i in ids]) for _, ids in groups)
    print(f"| {label} | {rate:.2f} | {rate / base_rate:.2f}x | {cells} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[Path("/usr/share/backgrounds")])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sides", default="", help="extra WORKING_MIN_SIDE values to test")
    parser.add_argument("--only", choices=["jpeg"], help="use only JPEG files")
    args = parser.parse_args(argv)

    files = sorted(p for folder in args.folders for p in folder.rglob("*")
                   if p.suffix.lower() in SUFFIXES and p.is_file())
    if not files:
        print("no photos found; install the packages named in the docstring", file=sys.stderr)
        return 1
    if args.only == "jpeg":
        files = [p for p in files if p.suffix.lower() in (".jpg", ".jpeg")]
    items = [p.read_bytes() for p in files]
    pixels = [Image.open(io.BytesIO(d)).size for d in items]
    megapixels = sum(w * h for w, h in pixels) / 1e6
    print(f"data set: {len(items)} photos, {sum(map(len, items)) / 2**20:.1f} MiB, "
          f"{megapixels:.1f} megapixels ({megapixels / len(items):.1f} MP each on average), "
          f"from {', '.join(map(str, args.folders))}")

    measured = compare({
        "pdqhash on full Pillow decode (baseline)": baseline,
        "crowsnest PdqSignal.hash": crowsnest_reduced,
        "crowsnest pipeline, no DCT scaling": crowsnest_full,
    }, items, args.rounds)
    rows = [(label, rate, results) for label, (rate, results) in measured.items()]
    base_rate, base = rows[0][1], rows[0][2]

    groups = _groups(items, base)
    print("\n| pipeline | images/s | vs baseline | "
          + " | ".join(f"distance: {name} ({len(ids)})" for name, ids in groups) + " |")
    print("|---|---|---|" + "---|" * len(groups))
    for label, rate, results in rows:
        _row(label, rate, base_rate, distances(results, base), groups)

    for side in [int(s) for s in args.sides.split(",") if s]:
        imaging.WORKING_MIN_SIDE = side
        seconds, results = timed(crowsnest_reduced, items)
        rate = len(items) / seconds
        _row(f"crowsnest, WORKING_MIN_SIDE={side}", rate, base_rate, distances(results, base),
             groups)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
