"""The image pipeline: identify, validate, normalise and thumbnail images.

Every image that enters the desk (upload, generation, demo) goes through `process`, so stored
images share one shape: upright, sRGB, no metadata, longest edge at most `max_edge`, JPEG when
opaque and WebP when transparent, with a small JPEG thumbnail made at ingest.

Files are identified by their bytes only; names and declared MIME types are never trusted. The
verdicts (accept, or refuse with a reason) come from `validate`, before any pixel is decoded;
the pixel work is done by libvips (`vips_engine`) for the common modes and by Pillow
(`pillow_engine`) for the rest and for any file libvips cannot decode, so a damaged file gets
Pillow's verdict whichever engine saw it first.
"""

from __future__ import annotations

from stage8.images.pillow_engine import encode_png, process_with_pillow, thumbnail_with_pillow
from stage8.images.processed import ProcessedImage
from stage8.images.validate import (
    ALLOWED_FORMATS,
    DEFAULT_LIMITS,
    ImageLimits,
    byte_size,
    format_of,
    open_checked,
    png_trailer_reads,
    prepare,
)
from stage8.images.vips_engine import VipsFailed, process_with_vips, takes

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_LIMITS",
    "ImageLimits",
    "ProcessedImage",
    "byte_size",
    "encode_png",
    "probe",
    "process",
    "thumbnail",
]
_PREFERENCES = ("auto", "jpeg", "webp", "png")
ENGINES = ("auto", "pillow")


def probe(data: bytes, limits: ImageLimits = DEFAULT_LIMITS) -> tuple[str, int, int]:
    """Identify `data` by content and check it against `limits` without decoding pixels.

    Returns (format, width, height): format is a key of ALLOWED_FORMATS, the size is the one
    stored in the header (before EXIF orientation). Raises InvalidImage, with the reason in
    plain words, for empty or oversized files, anything that is not a PNG, JPEG or WebP image,
    more pixels than `limits.max_pixels` (judged from the header, so a decompression bomb is
    never decoded), an edge shorter than `limits.min_edge` as uploaded or as it would be
    stored (after the downscale to `limits.max_edge`), more memory to decode than
    `limits.max_decode_bytes`, and animations.
    """
    with open_checked(data, limits) as im:
        fmt = format_of(im)
        size = im.size
        prepare(im, fmt, data, limits, limits.max_edge)
        return fmt, *size


def process(
    data: bytes,
    limits: ImageLimits = DEFAULT_LIMITS,
    *,
    prefer: str = "auto",
    engine: str = "auto",
) -> ProcessedImage:
    """Validate (as `probe`), decode fully and normalise `data` into a storable image.

    Guarantees for the result: upright (EXIF orientation applied), sRGB with no embedded
    profile, 8 bits per channel, no metadata (EXIF incl. GPS, XMP, text), longest edge at most
    `limits.max_edge` with the aspect ratio kept, and an alpha channel only when some pixel is
    not fully opaque. `prefer` picks the encoding: "auto" gives JPEG for opaque images and
    WebP when transparency is used; "jpeg" (transparency flattened onto white), "webp" and
    "png" force one. Output bytes are deterministic for the same input and limits.
    A truncated or damaged file raises InvalidImage. `engine="pillow"` does the pixel work in
    Pillow only (the reference the libvips engine is tested against); the verdicts and the
    shape of the result are the same with either engine.
    """
    if prefer not in _PREFERENCES:
        raise ValueError(f"prefer must be one of {_PREFERENCES}, got {prefer!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "auto":
        with open_checked(data, limits) as im:
            stored_size = im.size
            prepare(im, format_of(im), data, limits, limits.max_edge)
            if takes(im) and png_trailer_reads(im):
                edges = (limits.max_edge, limits.thumb_edge)
                try:
                    return process_with_vips(im, data, stored_size, edges, prefer)
                except VipsFailed:
                    pass  # Pillow decides: it refuses the file as damaged, or it reads it
    return process_with_pillow(data, limits, prefer)


def thumbnail(data: bytes, edge: int) -> bytes:
    """Return a JPEG of `data` (an image already stored) with its longest edge at most `edge`.

    The picture is made upright and sRGB like `process`, transparency is flattened onto a
    light grey; images smaller than `edge` are not enlarged. Raises InvalidImage when `data`
    is not a readable PNG, JPEG or WebP image.
    """
    if edge < 1:
        raise ValueError(f"edge must be at least 1, got {edge}")
    limits = ImageLimits(max_bytes=max(len(data), 1), min_edge=1, max_edge=edge)
    return thumbnail_with_pillow(data, limits, edge)
