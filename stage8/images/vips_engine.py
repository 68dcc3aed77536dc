"""The pixel work in libvips: decode with shrink-on-load, resize, colour, orientation, encode.

`pipeline.process` judges every file first (`validate`: Pillow reads the header only), then hands
the pixel work for the common modes to libvips, which decodes a JPEG at 1/2, 1/4 or 1/8 scale and
a WebP at reduced size, resizes with LANCZOS3 in premultiplied alpha, and streams the picture
through in tiles instead of holding several full-size copies. The decisions that shape the
stored image are Pillow's, taken from the opened header, so both engines store the same shape:
the EXIF orientation, whether an embedded colour profile is transformed to sRGB (perceptual
intent), the stored size (`downscale.fitted_size`), alpha kept only when some pixel uses it, and
the encoder settings (`processed`). Modes libvips would read differently from Pillow (CMYK,
16-bit and 32-bit grey) stay with `pillow_engine`, and so does any file libvips fails on, so a
verdict never depends on which engine decoded the file.
"""

from __future__ import annotations

import hashlib

import pyvips
from PIL import ImageFile

from stage8.images.downscale import fitted_size
from stage8.images.modes import transforms_colour
from stage8.images.pillow_engine import header_orientation
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
from stage8.images.validate import ALLOWED_FORMATS, format_of

# Pillow modes whose pixels libvips decodes to the same values (8 bits a sample, or 16-bit RGB
# that both reduce to 8 bits).
_MODES = {
    "JPEG": {"L", "RGB"},
    "PNG": {"1", "L", "LA", "P", "RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
}
# A truncated file must fail, as in Pillow; libjpeg's warnings about recoverable damage must not.
# (thumbnail_buffer's own `fail_on` does not reach the loader in libvips 8.18; this does.)
_LOAD_OPTIONS = "fail_on=truncated"
_MIME = {".jpg": "JPEG", ".webp": "WEBP", ".png": "PNG"}

# The desk runs one operation per upload and never repeats it: libvips' operation cache would
# only keep decoded pictures alive.
pyvips.cache_set_max(0)


class VipsFailed(Exception):
    """libvips could not do the pixel work; the Pillow engine then decides (and may refuse)."""


def takes(im: ImageFile.ImageFile) -> bool:
    """True when libvips can do the pixel work of `im` (opened by `validate.open_checked`)."""
    return im.mode in _MODES.get(format_of(im), ())


def process_with_vips(
    im: ImageFile.ImageFile,
    data: bytes,
    stored_size: tuple[int, int],
    edges: tuple[int, int],
    prefer: str,
) -> ProcessedImage:
    """`pipeline.process` for an image `takes` accepts, with the pixel work in libvips.

    `im` is the validated Pillow image (header read, not decoded), `stored_size` its size in
    the file before any JPEG draft scale, `edges` the (stored, thumbnail) longest edges. Its
    orientation and colour profile decide what libvips does. Raises VipsFailed when libvips
    cannot decode `data`.
    """
    fmt = format_of(im)
    max_edge, thumb_edge = edges
    stored_width, stored_height = stored_size
    width, height = fitted_size(stored_width, stored_height, max_edge)
    try:
        # Into memory once, at the stored size: everything after reads it several times, and a
        # rotation of the lazy pipeline would decode the file again for every strip.
        # From a source over the upload's own bytes: `thumbnail_buffer` would copy them first.
        source = pyvips.Source.new_from_memory(data)
        pixels = pyvips.Image.thumbnail_source(
            source, width, height=height, size="force", no_rotate=True, option_string=_LOAD_OPTIONS
        ).copy_memory()
        orientation = header_orientation(im)
        decoded = pixels
        pixels = _upright(_to_srgb(pixels, im.info.get("icc_profile")), orientation)
        if pixels is not decoded:
            pixels = pixels.copy_memory()
        if pixels.hasalpha() and pixels[pixels.bands - 1].min() == 255:
            pixels = pixels[: pixels.bands - 1]
        encoded, suffix = _encode(pixels, prefer)
        thumb = _thumbnail(pixels, thumb_edge)
        thumb_bytes = thumb.jpegsave_buffer(Q=THUMB_QUALITY, subsample_mode="on", keep="none")
    except pyvips.Error as exc:
        raise VipsFailed(str(exc)) from exc
    if orientation >= 5:
        stored_width, stored_height = stored_height, stored_width
    out_format = _MIME[suffix]
    return ProcessedImage(
        data=encoded,
        mime_type=ALLOWED_FORMATS[out_format],
        ext=EXTENSIONS[out_format],
        width=pixels.width,
        height=pixels.height,
        sha256=hashlib.sha256(encoded).hexdigest(),
        thumb=thumb_bytes,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        original_format=fmt,
        original_width=stored_width,
        original_height=stored_height,
        original_bytes=len(data),
    )


def _to_srgb(pixels: pyvips.Image, icc_profile: bytes | None) -> pyvips.Image:
    if transforms_colour(icc_profile):
        try:
            return pixels.icc_transform("srgb", embedded=True, intent="perceptual")
        except pyvips.Error:
            pass  # as Pillow: a profile that does not fit the pixels is ignored
    if pixels.interpretation != "srgb" or pixels.format != "uchar":
        pixels = pixels.colourspace("srgb")
    return pixels.cast("uchar") if pixels.format != "uchar" else pixels


def _upright(pixels: pyvips.Image, orientation: int) -> pyvips.Image:
    if orientation == 1:
        return pixels
    tagged = pixels.copy()
    tagged.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return tagged.autorot()


def _encode(pixels: pyvips.Image, prefer: str) -> tuple[bytes, str]:
    if prefer == "png":
        return pixels.pngsave_buffer(compression=6, keep="none"), ".png"
    if prefer == "webp" or (prefer == "auto" and pixels.hasalpha()):
        return pixels.webpsave_buffer(Q=WEBP_QUALITY, effort=WEBP_EFFORT, keep="none"), ".webp"
    if pixels.hasalpha():
        pixels = pixels.flatten(background=list(WHITE))
    jpeg = pixels.jpegsave_buffer(
        Q=JPEG_QUALITY, optimize_coding=True, subsample_mode="on", keep="none"
    )
    return jpeg, ".jpg"


def _thumbnail(pixels: pyvips.Image, edge: int) -> pyvips.Image:
    width, height = fitted_size(pixels.width, pixels.height, edge)
    if (width, height) != (pixels.width, pixels.height):
        pixels = pixels.thumbnail_image(width, height=height, size="force")
    if pixels.hasalpha():
        pixels = pixels.flatten(background=list(THUMB_MATTE))
    return pixels
