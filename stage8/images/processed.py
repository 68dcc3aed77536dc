"""What the pipeline hands to ingest: a normalised image ready to store, from either engine."""

from __future__ import annotations

from dataclasses import dataclass

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# The settings both engines encode with, picked from bytes against quality measured on the
# benchmark's inputs at 2048 px (benchmarks/encode_quality.py): JPEG Q90 baseline with optimised
# Huffman tables (progressive saved 2 % more and cost several times the encode time); WebP Q85 at
# effort 2 (37 % smaller than Q90 effort 4 for 0.6 dB PSNR, half the encode time and memory).
JPEG_QUALITY = 90
WEBP_QUALITY = 85
WEBP_EFFORT = 2
THUMB_QUALITY = 80
WHITE = (255, 255, 255)
THUMB_MATTE = (232, 232, 232)


@dataclass(frozen=True)
class ProcessedImage:
    """A normalised image ready to store, with its thumbnail and what the upload was.

    `width`/`height` are those of `data`; `original_width`/`original_height` are the upload's
    size as a viewer shows it (after EXIF orientation), before any downscaling.
    """

    data: bytes
    mime_type: str
    ext: str
    width: int
    height: int
    sha256: str
    thumb: bytes
    thumb_width: int
    thumb_height: int
    original_format: str
    original_width: int
    original_height: int
    original_bytes: int
