"""What the pipeline hands to ingest: a normalised image ready to store, from either engine."""

from __future__ import annotations

from dataclasses import dataclass

EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
# The settings each engine encodes with, chosen from measured bytes against quality
# (benchmarks/encode_quality.py): stored images, then the small thumbnail made at ingest.
JPEG_QUALITY = 90
WEBP_QUALITY = 90
WEBP_EFFORT = 4
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
