"""Judging an upload by its bytes before any pixel is decoded: the desk's verdicts.

Every accept/reject decision and its message comes from here, whichever engine then does the
pixel work (`stage8.images.pillow_engine` or `stage8.images.vips_engine`): size, format sniffed
from the content, pixel count from the header (so a decompression bomb is never decoded),
animation, edges as uploaded and as stored, and the memory a decode would take (`budget`).
Pillow opens the file lazily here (header only); `PIL.ImageFile.LOAD_TRUNCATED_IMAGES` must stay
False (Pillow's default): it is what makes a truncated file fail to decode instead of coming out
half grey.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

from PIL import Image, ImageFile, PngImagePlugin

from stage8.errors import InvalidImage
from stage8.images.budget import check_decode_cost
from stage8.images.downscale import fitted_size
from stage8.images.modes import declared_size, sniff_format

if TYPE_CHECKING:
    from stage8.config import Settings

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_ACCEPTS = "the desk accepts PNG, JPEG and WebP"
_DAMAGED = (
    "the file is truncated or damaged{where}; re-export it from the program that made it, "
    "or save it as PNG"
)
_METADATA_BOMB = "the file has too much compressed metadata ({what}); re-save it without metadata"
# libjpeg's scaled decoding (1/2, 1/4, 1/8) is a proper low-pass in the DCT domain, not a
# subsampling, so it may go all the way down to the largest scale that is still at least the
# target; the resampler then does the last step of under 2x. Shrink-on-load like this is what
# makes a 24 MP JPEG cheap (benchmarks/upload_pipeline.py). The decode budget is judged at
# this scale, and libvips' shrink-on-load picks the same one.
_DRAFT_GAP = 1.0
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


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


def open_checked(data: bytes, limits: ImageLimits) -> ImageFile.ImageFile:
    """Open `data` lazily with Pillow and check everything its header can tell; raises
    InvalidImage with the reason. The caller closes the image."""
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
    except (Image.UnidentifiedImageError, *DECODE_ERRORS) as exc:
        raise damaged(exc, f" (its {kind} header)") from exc
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


def damaged(exc: BaseException, where: str = "") -> InvalidImage:
    """The InvalidImage for a decoder error `exc` (a metadata bomb is named as such)."""
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


def prepare(im: ImageFile.ImageFile, fmt: str, data: bytes, limits: ImageLimits, edge: int) -> None:
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


def format_of(im: Image.Image) -> str:
    """The desk's name for the format of an image `open_checked` returned: PNG, JPEG or WEBP."""
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


def _draft(im: ImageFile.ImageFile, edge: int) -> None:
    # Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the result stays `_DRAFT_GAP` times the
    # target, so LANCZOS still does the final step. The size asked for is in stored (pre-
    # orientation) pixels with the stored aspect ratio; a target given as a box would have to be
    # swapped first for orientations 5-8, a longest-edge target is the same either way.
    width, height = im.size
    scale = edge * _DRAFT_GAP / max(width, height)
    if scale < 0.5:
        im.draft("RGB", (ceil(width * scale), ceil(height * scale)))


def png_trailer_reads(im: ImageFile.ImageFile) -> bool:
    """True unless `im` is a PNG whose chunks after the pixels Pillow's decoder would refuse.

    Pillow reads those chunks (text, eXIf, ...) only when it decodes; an engine that decodes
    the pixels itself must not accept a file Pillow refuses for them (a text bomb after the
    pixels). This reads them as Pillow's decoder does at its end, without decoding a pixel,
    which also fills `im.info` as a full decode would. On False the caller leaves the file to
    Pillow, which then gives its own verdict. `im` cannot be decoded afterwards.
    """
    if format_of(im) != "PNG" or not im.tile:
        return True
    try:
        im.fp.seek(im.tile[0].offset)
        # Where Pillow's own `load_prepare` would start reading the pixels.
        im._PngImageFile__idat = im._PngImageFile__prepare_idat  # type: ignore[attr-defined]
        im.load_end()
    except (InvalidImage, *DECODE_ERRORS, AttributeError):
        return False
    return True
