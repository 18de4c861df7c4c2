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

from crowsnest.core.errors import NotFound
from crowsnest.db.repositories import banks as bank_repo
from crowsnest.services import banks as bank_service
from crowsnest.testing.samples import list_samples, sample_path

DEMO_BANK = "demo"
DEMO_LABEL = "demo:sample"


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


def photo_samples() -> list[str]:
    """Names of the shipped sample photos the demo uses (stable order)."""
    names = [n for n in list_samples()
             if Path(n).suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"}]
    if not names:
        raise NotFound("no sample photos are installed with crowsnest")
    return sorted(names)


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
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


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
