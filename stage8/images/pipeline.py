"""The image pipeline: identify, validate, normalise and thumbnail images (Pillow).

Every image that enters the desk (upload, generation, demo) goes through `process`, so stored
images share one shape: upright, sRGB, no metadata, longest edge at most `max_edge`, JPEG when
opaque and WebP when transparent, with a small JPEG thumbnail made at ingest.

Files are identified by their bytes only; names and declared MIME types are never trusted.
`PIL.ImageFile.LOAD_TRUNCATED_IMAGES` must stay False (Pillow's default): it is what makes a
truncated file fail to decode instead of coming out half grey. Memory is bounded before any
pixel is decoded (`budget`) and the decoded picture is the only full-size copy (`downscale`).
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

from PIL import Image, ImageFile, PngImagePlugin

from stage8.errors import InvalidImage
from stage8.images.budget import check_decode_cost
from stage8.images.downscale import fit_working, fitted_size
from stage8.images.modes import declared_size, flatten, has_used_alpha, sniff_format, to_srgb

if TYPE_CHECKING:
    from stage8.config import Settings

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
_ACCEPTS = "the desk accepts PNG, JPEG and WebP"
_PREFERENCES = ("auto", "jpeg", "webp", "png")
_DAMAGED = (
    "the file is truncated or damaged{where}; re-export it from the program that made it, "
    "or save it as PNG"
)
_METADATA_BOMB = "the file has too much compressed metadata ({what}); re-save it without metadata"

# The thumbnail, made from the stored picture: downscale in two steps (box reduce, then LANCZOS)
# once it is this many times larger than the target; at 3 the result is indistinguishable.
_REDUCING_GAP = 3.0
# libjpeg's scaled decoding (1/2, 1/4, 1/8) is a proper low-pass in the DCT domain, not a
# subsampling, so it may go all the way down to the largest scale that is still at least the
# target; LANCZOS then does the last step of under 2x. Shrink-on-load like this (as libvips
# does) is what makes a 24 MP JPEG cheap: at 6000 px to 2048 a gap of 2 would not reduce at
# all, and the full-size LANCZOS pass costs more than decoding (benchmarks/upload_pipeline.py).
_DRAFT_GAP = 1.0
_JPEG_OPTIONS = {"quality": 90, "progressive": True, "optimize": True, "subsampling": "4:2:0"}
_WEBP_OPTIONS = {"quality": 90, "method": 4}
_THUMB_OPTIONS = {"quality": 80, "subsampling": "4:2:0"}
_WHITE = (255, 255, 255)
_THUMB_MATTE = (232, 232, 232)

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
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


@dataclass(frozen=True)
class ImageLimits:
    """What the desk accepts and produces. Defaults match `stage8.config.Settings`.

    `max_decode_bytes` bounds the memory one image may take to decode and downscale, as
    estimated from its header (`stage8.images.budget`); it keeps any accepted upload's peak
    under 400 MB.
    """

    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 60_000_000
    min_edge: int = 64
    max_edge: int = 2048
    thumb_edge: int = 320
    max_decode_bytes: int = 340 * 1024 * 1024

    def __post_init__(self) -> None:
        values = (self.max_bytes, self.max_pixels, self.min_edge, self.max_edge, self.thumb_edge)
        if min(*values, self.max_decode_bytes) < 1:
            raise ValueError(f"every image limit must be at least 1: {self}")

    @classmethod
    def from_settings(cls, settings: Settings) -> ImageLimits:
        return cls(
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_pixels,
            min_edge=settings.min_edge,
            max_edge=settings.max_edge,
            thumb_edge=settings.thumb_edge,
        )


DEFAULT_LIMITS = ImageLimits()


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
    with _open(data, limits) as im:
        fmt = _format_of(im)
        size = im.size
        _prepare(im, fmt, data, limits, limits.max_edge)
        return fmt, *size


def process(
    data: bytes, limits: ImageLimits = DEFAULT_LIMITS, *, prefer: str = "auto"
) -> ProcessedImage:
    """Validate (as `probe`), decode fully and normalise `data` into a storable image.

    Guarantees for the result: upright (EXIF orientation applied), sRGB with no embedded
    profile, 8 bits per channel, no metadata (EXIF incl. GPS, XMP, text), longest edge at most
    `limits.max_edge` with the aspect ratio kept, and an alpha channel only when some pixel is
    not fully opaque. `prefer` picks the encoding: "auto" gives JPEG for opaque images and
    WebP when transparency is used; "jpeg" (transparency flattened onto white), "webp" and
    "png" force one. Output bytes are deterministic for the same input and limits.
    A truncated or damaged file raises InvalidImage.
    """
    if prefer not in _PREFERENCES:
        raise ValueError(f"prefer must be one of {_PREFERENCES}, got {prefer!r}")
    im, fmt, orientation, (original_width, original_height) = _decode(data, limits, limits.max_edge)
    if orientation >= 5:
        original_width, original_height = original_height, original_width
    pixels = _normalise(im, limits.max_edge, orientation)
    if pixels.mode == "RGBA" and not has_used_alpha(pixels):
        pixels = pixels.convert("RGB")
    encoded, out_format = _encode(pixels, prefer)
    thumb = flatten(_fit(pixels, limits.thumb_edge), _THUMB_MATTE)
    return ProcessedImage(
        data=encoded,
        mime_type=ALLOWED_FORMATS[out_format],
        ext=_EXTENSIONS[out_format],
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
        thumb=_save(thumb, "JPEG", _THUMB_OPTIONS),
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        original_format=fmt,
        original_width=original_width,
        original_height=original_height,
        original_bytes=len(data),
    )


def thumbnail(data: bytes, edge: int) -> bytes:
    """Return a JPEG of `data` (an image already stored) with its longest edge at most `edge`.

    The picture is made upright and sRGB like `process`, transparency is flattened onto a
    light grey; images smaller than `edge` are not enlarged. Raises InvalidImage when `data`
    is not a readable PNG, JPEG or WebP image.
    """
    if edge < 1:
        raise ValueError(f"edge must be at least 1, got {edge}")
    limits = ImageLimits(max_bytes=max(len(data), 1), min_edge=1, max_edge=edge)
    im, _, orientation, _ = _decode(data, limits, edge)
    pixels = _normalise(im, edge, orientation)
    return _save(flatten(pixels, _THUMB_MATTE), "JPEG", _THUMB_OPTIONS)


def encode_png(image: Image.Image, *, optimize: bool = False) -> bytes:
    """Encode `image` as PNG without metadata or colour profile (lossless; for generated art)."""
    return _save(image, "PNG", {"optimize": optimize, "icc_profile": None})


# Identification -------------------------------------------------------------------------------


def _open(data: bytes, limits: ImageLimits) -> ImageFile.ImageFile:
    if not data:
        raise InvalidImage("the file is empty")
    if len(data) > limits.max_bytes:
        raise InvalidImage(
            f"the file is {byte_size(len(data))}; "
            f"the desk accepts files up to {byte_size(limits.max_bytes)}"
        )
    kind = sniff_format(data)
    if kind not in ALLOWED_FORMATS:
        raise InvalidImage(f"{kind}; {_ACCEPTS}")
    declared = declared_size(data, kind)
    if declared is not None:
        _check_pixels(*declared, limits)
    try:
        im = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own bomb guard (a warning only when promoted to an error).
        raise InvalidImage(
            f"the image header claims more pixels than the desk accepts "
            f"(up to {limits.max_pixels / 1e6:g} megapixels)"
        ) from exc
    except (Image.UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise _damaged(exc, f" (its {kind} header)") from exc
    try:
        _check_pixels(im.width, im.height, limits)
        if im.format != "MPO" and (getattr(im, "n_frames", 1) > 1 or getattr(im, "is_animated", 0)):
            raise InvalidImage("animated images are not accepted; a scene image is a still")
        if min(im.size) < limits.min_edge:
            raise InvalidImage(
                f"the image is only {im.width} × {im.height} pixels; "
                f"the desk needs at least {limits.min_edge} pixels on each side"
            )
        stored = fitted_size(im.width, im.height, limits.max_edge)
        if min(stored) < limits.min_edge:
            raise InvalidImage(
                f"the image is too narrow: {im.width} × {im.height} pixels would be stored as "
                f"{stored[0]} × {stored[1]}; the shorter side must stay at least "
                f"{limits.min_edge} pixels: crop it"
            )
    except InvalidImage:
        im.close()
        raise
    return im


def _damaged(exc: BaseException, where: str = "") -> InvalidImage:
    # Pillow refuses a PNG text or ICC chunk that inflates beyond MAX_TEXT_CHUNK, and text
    # chunks that together exceed MAX_TEXT_MEMORY, with a ValueError naming that constant.
    reason = str(exc) if isinstance(exc, ValueError) else ""
    if "MAX_TEXT_CHUNK" in reason:
        size = byte_size(PngImagePlugin.MAX_TEXT_CHUNK)
        what = f"a text or colour-profile chunk that expands to over {size}"
        return InvalidImage(_METADATA_BOMB.format(what=what))
    if "MAX_TEXT_MEMORY" in reason:
        what = f"text chunks that expand to over {byte_size(PngImagePlugin.MAX_TEXT_MEMORY)}"
        return InvalidImage(_METADATA_BOMB.format(what=what))
    return InvalidImage(_DAMAGED.format(where=where))


def _prepare(
    im: ImageFile.ImageFile, fmt: str, data: bytes, limits: ImageLimits, edge: int
) -> None:
    """Set the JPEG draft scale for `edge`, then refuse what would not decode within budget."""
    full_size = im.size
    if fmt == "JPEG":
        _draft(im, edge)
    check_decode_cost(im, fmt, data, full_size, edge, limits.max_decode_bytes)


def _check_pixels(width: int, height: int, limits: ImageLimits) -> None:
    if width * height > limits.max_pixels:
        raise InvalidImage(
            f"the image is {width} × {height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the desk accepts up to {limits.max_pixels / 1e6:g} megapixels"
        )


def _format_of(im: Image.Image) -> str:
    # A multi-picture JPEG (MPO, from stereo and some phone cameras) is a JPEG with extra views;
    # only its first picture is used.
    return "JPEG" if im.format == "MPO" else str(im.format)


def byte_size(count: int) -> str:
    """A file size for people: "812 bytes", "4.3 KB", "25.0 MB", "3.0 GB"."""
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GB"
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count} bytes"


# Decoding and normalising ---------------------------------------------------------------------


def _decode(
    data: bytes, limits: ImageLimits, edge: int
) -> tuple[ImageFile.ImageFile, str, int, tuple[int, int]]:
    """Open, validate and fully decode.

    Returns (image, format, EXIF orientation 1-8, stored size); the stored size is taken
    before JPEG draft mode shrinks `image.size`.
    """
    im = _open(data, limits)
    fmt = _format_of(im)
    stored_size = im.size
    try:
        _prepare(im, fmt, data, limits, edge)
        im.load()
        orientation = _orientation(im)
    except InvalidImage:
        im.close()
        raise
    except _DECODE_ERRORS as exc:
        im.close()
        raise _damaged(exc) from exc
    return im, fmt, orientation, stored_size


def _draft(im: ImageFile.ImageFile, edge: int) -> None:
    # Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the result stays `_DRAFT_GAP` times the
    # target, so LANCZOS still does the final step. The size asked for is in stored (pre-
    # orientation) pixels with the stored aspect ratio; a target given as a box would have to be
    # swapped first for orientations 5-8, a longest-edge target is the same either way.
    width, height = im.size
    scale = edge * _DRAFT_GAP / max(width, height)
    if scale < 0.5:
        im.draft("RGB", (ceil(width * scale), ceil(height * scale)))


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
    except _DECODE_ERRORS:
        return 1  # unreadable EXIF is dropped anyway; the pixels are still good
    return value if value in _UPRIGHT else 1


def _normalise(im: Image.Image, edge: int, orientation: int) -> Image.Image:
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


# Encoding -------------------------------------------------------------------------------------


def _encode(pixels: Image.Image, prefer: str) -> tuple[bytes, str]:
    if prefer == "png":
        return encode_png(pixels), "PNG"
    if prefer == "webp" or (prefer == "auto" and pixels.mode == "RGBA"):
        return _save(pixels, "WEBP", _WEBP_OPTIONS), "WEBP"
    return _save(flatten(pixels, _WHITE), "JPEG", _JPEG_OPTIONS), "JPEG"


def _save(image: Image.Image, fmt: str, options: dict[str, object]) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()
