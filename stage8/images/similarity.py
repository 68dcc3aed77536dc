"""Visual similarity of two images: a score from 0 to 100 and the four measures it is made of.

Rule owned here: how alike two pictures look, judged on small normalised copies (upright,
sRGB, transparency flattened, longest edge `WORK_EDGE`):
- `perceptual`: perceptual hash (DCT of the luminance; imagehash.phash), 1 - distance / 32;
- `gradient`: difference hash (horizontal luminance gradients; imagehash.dhash), same scale;
- `colour`: intersection of the two normalised HSV histograms (hue x saturation x value);
- `structure`: structural similarity (SSIM, scikit-image) of the grey copies at one size.
Hashes and SSIM are taken against the other picture as it is and mirrored, keeping the better,
so a flipped shot of the same subject is not a different subject. Distances of random pictures
sit near 32 of 64 bits, so a part of 0 means "no more alike than unrelated pictures".

It measures how alike two pictures LOOK (layout, shapes, palette): it does not recognise who or
what is in them. Two different characters drawn in the same pose and palette score high; the
same character from behind scores low. The weights and the drift threshold come from the
labelled pairs of `benchmarks/similarity.py` (see the README).
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass

import imagehash
import numpy as np
from PIL import Image, ImageOps
from skimage.metrics import structural_similarity

from stage8.images.pipeline import DEFAULT_LIMITS, ImageLimits, probe, thumbnail

WORK_EDGE = 128  # the small copy every measure starts from
SSIM_SIZE = 64  # both grey copies are resized to this square for SSIM
HASH_BITS = 64
_BINS = (12, 4, 4)  # hue, saturation, value
WEIGHTS = {"perceptual": 0.2, "gradient": 0.15, "colour": 0.35, "structure": 0.3}


@dataclass(frozen=True)
class Fingerprint:
    """What the measures need of one image, computed once (e.g. for a reference image)."""

    phash: imagehash.ImageHash
    dhash: imagehash.ImageHash
    phash_mirror: imagehash.ImageHash
    dhash_mirror: imagehash.ImageHash
    histogram: np.ndarray
    grey: np.ndarray
    grey_mirror: np.ndarray

    def hash_distance(self, other: Fingerprint) -> int:
        """Differing bits of the perceptual and difference hashes, unmirrored (0 = the same
        picture as far as the hashes see; what near-duplicate detection compares)."""
        return int((self.phash - other.phash) + (self.dhash - other.dhash))


@dataclass(frozen=True)
class Similarity:
    score: int  # 0..100
    perceptual: float  # each part 0..1
    gradient: float
    colour: float
    structure: float

    def as_json(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def fingerprint(image: Image.Image) -> Fingerprint:
    """The fingerprint of a decoded, upright image (any size; shrunk to `WORK_EDGE` here)."""
    small = image.convert("RGB")
    small.thumbnail((WORK_EDGE, WORK_EDGE), Image.Resampling.BILINEAR)
    grey = small.convert("L").resize((SSIM_SIZE, SSIM_SIZE), Image.Resampling.BILINEAR)
    # The hashes shrink their input again (to 32 and 9 px): start them from one small grey copy
    # and its mirror, so each costs a tiny resize instead of one from the working copy.
    hashed = grey.resize((32, 32), Image.Resampling.BILINEAR)
    mirror = ImageOps.mirror(hashed)
    hsv = np.asarray(small.convert("HSV"), dtype=np.uint16).reshape(-1, 3)
    h, s, v = (hsv[:, i] * bins // 256 for i, bins in enumerate(_BINS))
    cells = (h * _BINS[1] + s) * _BINS[2] + v
    histogram = np.bincount(cells, minlength=_BINS[0] * _BINS[1] * _BINS[2]) / max(1, len(cells))
    return Fingerprint(
        phash=imagehash.phash(hashed),
        dhash=imagehash.dhash(hashed),
        phash_mirror=imagehash.phash(mirror),
        dhash_mirror=imagehash.dhash(mirror),
        histogram=histogram,
        grey=np.asarray(grey, dtype=np.float64),
        grey_mirror=np.asarray(ImageOps.mirror(grey), dtype=np.float64),
    )


def fingerprint_bytes(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> Fingerprint:
    """The fingerprint of an image file, checked and normalised by the upload pipeline first
    (InvalidImage for anything the desk would refuse to store)."""
    probe(data, limits)
    with Image.open(io.BytesIO(thumbnail(data, WORK_EDGE))) as im:
        return fingerprint(im)


def _hash_part(distance: int) -> float:
    return max(0.0, 1.0 - distance / (HASH_BITS / 2))


def compare(a: Fingerprint, b: Fingerprint) -> Similarity:
    """How alike `a` and `b` look: the parts and their weighted score.

    `b` is taken as it is or mirrored, whichever the two hashes find closer to `a`."""
    direct = a.hash_distance(b)
    mirrored = (a.phash - b.phash_mirror) + (a.dhash - b.dhash_mirror)
    if mirrored < direct:
        phash, dhash, grey = b.phash_mirror, b.dhash_mirror, b.grey_mirror
    else:
        phash, dhash, grey = b.phash, b.dhash, b.grey
    ssim = structural_similarity(a.grey, grey, data_range=255.0)
    parts = {
        "perceptual": _hash_part(a.phash - phash),
        "gradient": _hash_part(a.dhash - dhash),
        "colour": float(np.minimum(a.histogram, b.histogram).sum()),
        "structure": max(0.0, float(ssim)),
    }
    score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()))
    return Similarity(score=max(0, min(100, score)), **parts)


def similarity(a: bytes, b: bytes) -> Similarity:
    """Score two image files (PNG, JPEG or WebP), as `python -m stage8 similarity A B`."""
    return compare(fingerprint_bytes(a), fingerprint_bytes(b))
