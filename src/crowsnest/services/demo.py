"""The first-run demo: a bank built from the shipped benign sample photos, and a folder of
transformed copies (resized, re-encoded, mirrored) plus unrelated generated images to
scan against it -- showing what PDQ matching catches and what it leaves alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps
from sqlalchemy.orm import Session

from crowsnest.core import registry
from crowsnest.core.errors import CrowsnestError, NotFound
from crowsnest.core.hashing import hash_media
from crowsnest.core.imaging import load_canonical
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.services import banks as bank_service
from crowsnest.testing.samples import list_samples, sample_path

DEMO_BANK = "demo"
DEMO_LABEL = "demo:sample"
_PREFERRED = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class DemoFile:
    """A generated file of the demo folder: what it is and which sample it came from."""

    path: Path
    kind: str  # "resized", "re-encoded", "mirrored", "unrelated", "broken"
    origin: str | None  # sample name, None for unrelated/broken files

    @property
    def should_match(self) -> bool:
        """Whether a correct matcher must report it."""
        return self.origin is not None


def photo_samples(threshold: int = 31, min_quality: int = 50) -> list[str]:
    """Shipped sample photos showing distinct pictures (the samples hold the same picture
    in many formats; one of each is enough), skipping low-quality (featureless) ones."""
    chosen: dict[str, str] = {}
    pdq = registry.signal_type("pdq")
    # common formats first, so the demo shows shapes.png rather than its AVIF twin
    for name in sorted(list_samples(), key=lambda n: (Path(n).suffix not in _PREFERRED, n)):
        try:
            hashed = hash_media(sample_path(name), signal_types=None)
        except CrowsnestError:
            continue
        signal = hashed.signals.get("pdq")
        if signal is None or (signal.quality or 0) < min_quality:
            continue
        if all(pdq.distance(signal.value, seen) > threshold for seen in chosen.values()):
            chosen[name] = signal.value
    if not chosen:
        raise NotFound("no sample photos are installed with crowsnest")
    return sorted(chosen)


def build_demo_bank(session: Session, samples: Sequence[str]) -> int:
    """Create (or reuse) the demo bank and add every sample photo; returns entries added."""
    if bank_repo.get_by_name(session, DEMO_BANK) is None:
        bank_service.create_bank(
            session, DEMO_BANK, description="Benign sample photos shipped with crowsnest")
    added = 0
    for name in samples:
        results = bank_service.add_media(session, DEMO_BANK, sample_path(name),
                                         labels=[DEMO_LABEL], source_name=name)
        added += sum(r.created for r in results)
    return added


def _rgb(path: Path) -> Image.Image:
    # the hasher's own canonical pixels (alpha flattened, 16-bit scaled, EXIF applied), so
    # the copies differ from the sample only by the transformation the demo shows
    return Image.fromarray(load_canonical(path.read_bytes(), reduce=False).rgb, "RGB")


def _unrelated_image(seed: int, size: int = 384) -> Image.Image:
    """Smooth random colour fields: benign, photo-like structure, unlike any sample."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(12, 12, 3), dtype=np.uint8)
    image = Image.fromarray(small, "RGB").resize((size, size), Image.Resampling.BICUBIC)
    return image.filter(ImageFilter.GaussianBlur(radius=4))


def make_demo_folder(target: Path, samples: Sequence[str], unrelated: int = 4) -> list[DemoFile]:
    """Write the demo's scan folder into ``target`` and describe every file in it."""
    files: list[DemoFile] = []
    copies = target / "copies"
    copies.mkdir(parents=True, exist_ok=True)
    for name in samples:
        stem = Path(name).stem
        image = _rgb(sample_path(name))
        half = image.resize((max(1, image.width // 2), max(1, image.height // 2)),
                            Image.Resampling.LANCZOS)
        jobs = [("resized", half, f"{stem}-resized.png", {}),
                ("re-encoded", image, f"{stem}-reencoded.jpg", {"quality": 60}),
                ("mirrored", ImageOps.mirror(image), f"{stem}-mirrored.jpg", {"quality": 90})]
        for kind, picture, filename, options in jobs:
            picture.save(copies / filename, **options)
            files.append(DemoFile(copies / filename, kind, name))
    others = target / "other"
    others.mkdir(parents=True, exist_ok=True)
    for seed in range(unrelated):
        path = others / f"generated-{seed}.png"
        _unrelated_image(seed).save(path)
        files.append(DemoFile(path, "unrelated", None))
    broken = others / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    files.append(DemoFile(broken, "broken", None))
    return files
