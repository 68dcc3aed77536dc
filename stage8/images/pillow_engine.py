"""The pixel work in Pillow: decode (JPEG draft scale), mode and colour, LANCZOS fit, encode.

This is the reference engine: every image the libvips engine (`stage8.images.vips_engine`) does
not take, or fails on, comes here, and the verdict comparison test runs both. Memory is bounded
before any pixel is decoded (`budget`) and the decoded picture is the only full-size copy
(`downscale`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

from PIL import Image, ImageFile

from stage8.errors import InvalidImage
from stage8.images.downscale import fit_working, fitted_size
from stage8.images.modes import flatten, has_used_alpha, to_srgb
from stage8.images.processed import (
    EXTENSIONS,
    JPEG_QUALITY,
    THUMB_MATTE,
    THUMB_QUALITY,
    WEBP_EFFORT,
    WEBP_QUALITY,
    WHITE,
    ProcessedImage,
)
from stage8.images.validate import (
    ALLOWED_FORMATS,
    DECODE_ERRORS,
    ImageLimits,
    damaged,
    format_of,
    open_checked,
    prepare,
)

# The thumbnail, made from the stored picture: downscale in two steps (box reduce, then LANCZOS)
# once it is this many times larger than the target; at 3 the result is indistinguishable.
_REDUCING_GAP = 3.0
_JPEG_OPTIONS = {
    "quality": JPEG_QUALITY,
    "progressive": False,
    "optimize": True,
    "subsampling": "4:2:0",
}
_WEBP_OPTIONS = {"quality": WEBP_QUALITY, "method": WEBP_EFFORT}
_THUMB_OPTIONS = {"quality": THUMB_QUALITY, "subsampling": "4:2:0"}

# The transpose that makes a picture upright for each EXIF orientation (as ImageOps does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def process_with_pillow(data: bytes, limits: ImageLimits, prefer: str) -> ProcessedImage:
    """`pipeline.process` done entirely in Pillow (same guarantees and verdicts)."""
    im, fmt, orientation, (original_width, original_height) = decode(data, limits, limits.max_edge)
    if orientation >= 5:
        original_width, original_height = original_height, original_width
    pixels = normalise(im, limits.max_edge, orientation)
    if pixels.mode == "RGBA" and not has_used_alpha(pixels):
        pixels = pixels.convert("RGB")
    encoded, out_format = _encode(pixels, prefer)
    thumb = flatten(_fit(pixels, limits.thumb_edge), THUMB_MATTE)
    return ProcessedImage(
        data=encoded,
        mime_type=ALLOWED_FORMATS[out_format],
        ext=EXTENSIONS[out_format],
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
        thumb=save(thumb, "JPEG", _THUMB_OPTIONS),
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        original_format=fmt,
        original_width=original_width,
        original_height=original_height,
        original_bytes=len(data),
    )


def thumbnail_with_pillow(data: bytes, limits: ImageLimits, edge: int) -> bytes:
    """`pipeline.thumbnail`: upright sRGB JPEG, longest edge at most `edge`, alpha on grey."""
    im, _, orientation, _ = decode(data, limits, edge)
    pixels = normalise(im, edge, orientation)
    return save(flatten(pixels, THUMB_MATTE), "JPEG", _THUMB_OPTIONS)


def encode_png(image: Image.Image, *, optimize: bool = False) -> bytes:
    """Encode `image` as PNG without metadata or colour profile (lossless; for generated art)."""
    return save(image, "PNG", {"optimize": optimize, "icc_profile": None})


def decode(
    data: bytes, limits: ImageLimits, edge: int
) -> tuple[ImageFile.ImageFile, str, int, tuple[int, int]]:
    """Open, validate and fully decode.

    Returns (image, format, EXIF orientation 1-8, stored size); the stored size is taken
    before JPEG draft mode shrinks `image.size`.
    """
    im = open_checked(data, limits)
    fmt = format_of(im)
    stored_size = im.size
    try:
        prepare(im, fmt, data, limits, edge)
        im.load()
        orientation = exif_orientation(im)
    except InvalidImage:
        im.close()
        raise
    except DECODE_ERRORS as exc:
        im.close()
        raise damaged(exc) from exc
    return im, fmt, orientation, stored_size


def exif_orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8) of `im`; 1 when it has none or an unreadable one."""
    return _orientation_of(im.getexif)


def header_orientation(im: Image.Image) -> int:
    """`exif_orientation` without decoding: Pillow's PNG plugin decodes the whole picture to
    look for an eXIf chunk after it, so call this on a PNG after `validate.png_trailer_reads`
    has read those chunks."""
    return _orientation_of(lambda: Image.Image.getexif(im))


def _orientation_of(getexif: Callable[[], Image.Exif]) -> int:
    try:
        value = getexif().get(0x0112, 1)
    except DECODE_ERRORS:
        return 1  # unreadable EXIF is dropped anyway; the pixels are still good
    return value if value in _UPRIGHT else 1


def normalise(im: Image.Image, edge: int, orientation: int) -> Image.Image:
    """8-bit sRGB RGB or RGBA, longest edge <= edge, upright, with empty `info`.

    `im` must not be used afterwards: a picture larger than `edge` is released as soon as it
    is downscaled.
    """
    icc_profile = im.info.get("icc_profile")
    try:
        # Resize before the colour transform and the rotation: both then touch fewer pixels.
        pixels = fit_working(im, edge)
    except ValueError as exc:
        raise InvalidImage(
            f"the image uses a colour mode the desk cannot read ({im.mode})"
        ) from exc
    pixels = to_srgb(pixels, icc_profile)
    if orientation in _UPRIGHT:
        pixels = pixels.transpose(_UPRIGHT[orientation])
    # Encoders fall back to `info` for some metadata (PNG copies the ICC profile from it).
    pixels.info = {}
    return pixels


def _fit(im: Image.Image, edge: int) -> Image.Image:
    size = fitted_size(*im.size, edge)
    if size == im.size:
        return im
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)


def _encode(pixels: Image.Image, prefer: str) -> tuple[bytes, str]:
    if prefer == "png":
        return encode_png(pixels), "PNG"
    if prefer == "webp" or (prefer == "auto" and pixels.mode == "RGBA"):
        return save(pixels, "WEBP", _WEBP_OPTIONS), "WEBP"
    return save(flatten(pixels, WHITE), "JPEG", _JPEG_OPTIONS), "JPEG"


def save(image: Image.Image, fmt: str, options: dict[str, object]) -> bytes:
    """`image` encoded as `fmt` with Pillow `options`."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()
