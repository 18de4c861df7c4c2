"""Benign photo corpus for the index benchmark: real PDQ hashes and a fitted bit model.

Images come only from packages: scikit-image's bundled sample data (PyPI) and the
wallpapers of Debian packages (``gnome-backgrounds``, ``desktop-base``, and any other
``/usr/share/backgrounds`` package present). Each base image also yields augmented
variants (crops, flips, small rotations, colour and contrast changes), so the corpus has
thousands of distinct real PDQ hashes. Nothing is downloaded; hashes are cached in
``benchmarks/.cache``.

The correlated synthetic model (:class:`CorrelatedPdqModel`) mimics PDQ's own construction:
a latent Gaussian vector (stand-in for the 256 DCT coefficients) whose correlation is fitted
to the real hashes' bit correlations (Sheppard's relation, ``rho_latent = sin(pi/2 rho_bits)``)
and kept as a 32-factor model (the strongest eigenpairs plus independent per-coordinate
noise), and whose per-bit means reproduce the real per-bit frequencies (probit); each sample
sets the 128 largest latent coordinates, as PDQ thresholds its coefficients at their median.
Generating 10 million rows uses BLAS (a 32-column matrix product per chunk).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageEnhance, ImageOps

CACHE = Path(__file__).parent / ".cache"
WALLPAPER_DIRS = [Path("/usr/share/backgrounds"), Path("/usr/share/desktop-base"),
                  Path("/usr/share/wallpapers")]
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def corpus_paths() -> list[Path]:
    """Photos shipped by installed packages (sorted, de-duplicated by content)."""
    paths: list[Path] = []
    try:
        import skimage

        paths += sorted((Path(skimage.__file__).parent / "data").iterdir())
    except ImportError:
        pass
    for root in WALLPAPER_DIRS:
        if root.exists():
            paths += sorted(p for p in root.rglob("*") if p.is_file())
    seen: set[str] = set()
    out = []
    for p in paths:
        if p.suffix.lower() not in SUFFIXES or p.stat().st_size < 20_000:
            continue
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(p)
    return out


def load(path: Path, side: int = 768) -> Image.Image:
    img = Image.open(path)
    img.draft("RGB", (side * 2, side * 2))
    img = img.convert("RGB")
    img.thumbnail((side, side))
    return img


def pdq_hex(img: Image.Image) -> str:
    bits, _quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def pdq_dihedral_hex(img: Image.Image) -> list[str]:
    hashes, _quality = pdqhash.compute_dihedral(np.asarray(img.convert("RGB")))
    return [np.packbits(h.astype(np.uint8)).tobytes().hex() for h in hashes]


def variant(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A plausible re-upload: a crop, maybe mirrored/rotated/re-coloured."""
    w, h = img.size
    scale = rng.uniform(0.55, 0.95)
    cw, ch = int(w * scale), int(h * rng.uniform(0.55, 0.95))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    out = img.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.3:
        out = ImageOps.mirror(out)
    if rng.random() < 0.3:
        out = out.rotate(float(rng.uniform(-8, 8)), expand=False)
    if rng.random() < 0.5:
        out = ImageEnhance.Brightness(out).enhance(float(rng.uniform(0.7, 1.3)))
    if rng.random() < 0.4:
        out = ImageEnhance.Contrast(out).enhance(float(rng.uniform(0.7, 1.3)))
    if rng.random() < 0.2:
        out = ImageOps.grayscale(out).convert("RGB")
    return out


def jpeg_q50(img: Image.Image) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=50)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def half_size(img: Image.Image) -> Image.Image:
    return img.resize((max(1, img.width // 2), max(1, img.height // 2)), Image.BILINEAR)


@dataclass
class Corpus:
    """Real hashes: what goes into the bank, what must be found, what must not be."""

    bank_hex: list[str]  # planted: base images and their variants
    bank_source: list[int]  # which planted image (index into bank_hex) each is
    found_query_hex: list[str]  # JPEG q50 / 50 % copies of planted images
    found_query_target: list[int]  # bank_hex index each should find
    unrelated_hex: list[str]  # held-out images, their variants and copies
    dihedral_hex: list[list[str]]  # 8 dihedral hashes of each found-query image
    n_images: int
    fit_hex: list[str]  # every real hash (planted + held out), for the bit model


def build_corpus(variants_per_image: int = 30, seed: int = 7) -> Corpus:
    """Hash the corpus (cached on disk by file list and parameters)."""
    paths = corpus_paths()
    key = hashlib.sha256(("|".join(map(str, paths)) + f"{variants_per_image}:{seed}").encode())
    cache = CACHE / f"corpus-{key.hexdigest()[:16]}.npz"
    if cache.exists():
        data = np.load(cache, allow_pickle=False)
        return Corpus(*(data[k].tolist() for k in ("bank_hex", "bank_source",
                        "found_query_hex", "found_query_target", "unrelated_hex")),
                      data["dihedral_hex"].tolist(), int(data["n_images"]),
                      data["fit_hex"].tolist())
    rng = np.random.default_rng(seed)
    bank, source, found, target, unrelated, dihedral = [], [], [], [], [], []
    for i, path in enumerate(paths):
        img = load(path)
        held_out = i % 4 == 3  # a quarter of the images stay out of the bank
        imgs = [img] + [variant(img, rng) for _ in range(variants_per_image)]
        for j, im in enumerate(imgs):
            if held_out:
                unrelated.append(pdq_hex(im))
                if j < 3:
                    unrelated += [pdq_hex(jpeg_q50(im)), pdq_hex(half_size(im))]
                continue
            bank.append(pdq_hex(im))
            source.append(i)
            if j < 3:  # the base and two variants are re-uploaded as transformed copies
                for copy in (jpeg_q50(im), half_size(im)):
                    found.append(pdq_hex(copy))
                    target.append(len(bank) - 1)
                    dihedral.append(pdq_dihedral_hex(copy))
    corpus = Corpus(bank, source, found, target, unrelated, dihedral, len(paths),
                    bank + unrelated)
    CACHE.mkdir(exist_ok=True)
    np.savez(cache, bank_hex=np.array(bank), bank_source=np.array(source),
             found_query_hex=np.array(found), found_query_target=np.array(target),
             unrelated_hex=np.array(unrelated), dihedral_hex=np.array(dihedral),
             n_images=len(paths), fit_hex=np.array(corpus.fit_hex))
    return corpus


def hex_bits(values: list[str]) -> np.ndarray:
    raw = np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32)
    return np.unpackbits(raw, axis=1)


class CorrelatedPdqModel:
    """Latent-Gaussian model of PDQ bits, fitted to real hashes (see module docstring)."""

    def __init__(self, real_hex: list[str], factors: int = 32) -> None:
        bits = hex_bits(real_hex).astype(np.float64)
        self.p = bits.mean(axis=0).clip(0.02, 0.98)
        rho_bits = np.corrcoef(bits - bits.mean(axis=0), rowvar=False)
        rho_bits = np.nan_to_num(rho_bits)
        np.fill_diagonal(rho_bits, 1.0)
        latent = np.sin(np.pi / 2 * rho_bits)
        vals, vecs = np.linalg.eigh(latent)
        top = np.argsort(vals)[::-1][:factors]
        # factor model: latent = F h + sqrt(psi) e, F from the strongest eigenpairs, psi
        # the variance they leave to each coordinate (so every coordinate has variance 1)
        self.factor = (vecs[:, top] * np.sqrt(vals[top].clip(0, None))).astype(np.float32)
        self.psi = np.sqrt((1.0 - (self.factor**2).sum(axis=1)).clip(0.05, None)).astype(
            np.float32)
        # bit j is set when its coordinate is among the top half; a mean shift per bit
        # makes frequent bits frequent (probit of the real frequency)
        from statistics import NormalDist

        self.mu = np.array([NormalDist().inv_cdf(float(p)) for p in self.p], np.float32)
        self.real_bits = bits

    def sample_words(self, n: int, rng: np.random.Generator,
                     chunk: int = 500_000) -> np.ndarray:
        """``uint64[n, 4]`` rows with exactly 128 set bits each."""
        out = np.empty((n, 4), dtype=np.uint64)
        for lo in range(0, n, chunk):
            m = min(chunk, n - lo)
            h = rng.standard_normal((m, self.factor.shape[1]), dtype=np.float32)
            z = rng.standard_normal((m, 256), dtype=np.float32) * self.psi
            z += h @ self.factor.T
            z += self.mu
            # the 128th smallest coordinate: the 128 above it become the set bits
            median = np.partition(z, 127, axis=1)[:, 127:128]
            bits = (z > median).astype(np.uint8)
            out[lo:lo + m] = np.packbits(bits, axis=1).view(">u8").astype(np.uint64)
        return out

    def describe(self, sample: np.ndarray) -> dict[str, float]:
        """How closely a sample reproduces the real marginals and correlations."""
        bits = np.unpackbits(sample.astype(">u8").view(np.uint8), axis=1).astype(np.float64)
        real_corr = np.corrcoef(self.real_bits, rowvar=False)
        syn_corr = np.corrcoef(bits, rowvar=False)
        off = ~np.eye(256, dtype=bool)
        return {
            "real_hashes": float(len(self.real_bits)),
            "marginal_mean_abs_error": float(np.abs(bits.mean(0) - self.real_bits.mean(0)).mean()),
            "real_mean_abs_corr": float(np.nanmean(np.abs(real_corr[off]))),
            "synthetic_mean_abs_corr": float(np.nanmean(np.abs(syn_corr[off]))),
            "corr_mean_abs_error": float(np.nanmean(np.abs(real_corr[off] - syn_corr[off]))),
        }
