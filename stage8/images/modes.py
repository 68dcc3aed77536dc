"""Low-level helpers of the image pipeline (`stage8.images.pipeline`): formats, modes, colour.

`sniff_format` and `declared_size` read only header bytes, so they run before any decoder. The
rest works on decoded pixels: decoders hand back many modes (palette, 1-bit, 16-bit grey, CMYK,
premultiplied alpha, ...), and these helpers reduce them to the few the encoders need, without
losing transparency and without clipping 16-bit values, and move colours into sRGB so that an
untagged output file shows the same colours as the tagged input did.
"""

from __future__ import annotations

import io
import struct
import sys

from PIL import Image, ImageChops, ImageCms

# What the resampler and the colour transform accept; CMYK only lives until `to_srgb`.
WORKING_MODES = frozenset({"L", "LA", "RGB", "RGBA", "CMYK"})
_SIXTEEN_BIT = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})


def to_working_mode(im: Image.Image, *, wide: bool | None = None) -> Image.Image:
    """Return `im` as 8-bit L, LA, RGB, RGBA or CMYK.

    Guarantees: transparency survives (a palette or grey/RGB image with a transparent colour
    gains an alpha channel); 16-bit grey is scaled to 8 bits (32768 -> 128), never clipped.
    The input is returned unchanged when it is already in a working mode without a
    transparent colour key. Raises ValueError for a mode Pillow cannot convert. `wide` says
    whether 32-bit grey ("I", "F") holds a 16-bit range; None judges it from `im` itself (a
    band of a larger picture must pass the whole picture's answer).
    """
    mode = im.mode
    keyed = im.info.get("transparency") is not None
    if mode in WORKING_MODES and not (keyed and mode in ("L", "RGB")):
        return im
    if mode in ("L", "1"):
        return im.convert("LA" if keyed else "L")
    if mode == "RGB":
        return im.convert("RGBA")
    if mode in ("P", "PA"):
        return im.convert("RGBA" if im.has_transparency_data else "RGB")
    if mode in ("La", "RGBa"):
        return im.convert(mode.upper())
    if mode in _SIXTEEN_BIT:
        return _sixteen_bit_grey(im)
    if mode in ("I", "F"):
        return _wide_grey(im, im.getextrema()[1] > 255 if wide is None else wide)
    return im.convert("RGBA" if im.has_transparency_data else "RGB")


def _sixteen_bit_grey(im: Image.Image) -> Image.Image:
    big_endian = im.mode == "I;16B" or (im.mode == "I;16N" and sys.byteorder == "big")
    raw = im.tobytes()
    # The "L;16" unpackers keep the high byte of each sample: an exact x >> 8 in one C pass,
    # where convert("L") would clip everything above 255 to white.
    high, low = ("L;16B", "L;16") if big_endian else ("L;16", "L;16B")
    grey = Image.frombytes("L", im.size, raw, "raw", high)
    key = im.info.get("transparency")
    if not isinstance(key, int):
        return grey
    # A PNG transparent colour key is a 16-bit value: match both bytes.
    low_bytes = Image.frombytes("L", im.size, raw, "raw", low)
    high_match = grey.point(lambda v: 255 if v == key >> 8 else 0)
    low_match = low_bytes.point(lambda v: 255 if v == key & 0xFF else 0)
    grey.putalpha(ImageChops.invert(ImageChops.multiply(high_match, low_match)))
    return grey


def _wide_grey(im: Image.Image, wide: bool) -> Image.Image:
    # Of the accepted formats only 16-bit PNG yields these modes (via older Pillow releases), so
    # values above 255 mean a 16-bit range; scaling keeps them from clipping to white.
    if wide:
        im = im.point(lambda v: v * (255 / 65535))
    return im.convert("L")


def has_used_alpha(im: Image.Image) -> bool:
    """True when `im` has an alpha channel with at least one pixel that is not fully opaque."""
    if im.mode not in ("LA", "RGBA"):
        return False
    return im.getchannel("A").getextrema()[0] < 255


def to_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Return `im` (a working mode) as RGB or RGBA in sRGB.

    With an embedded ICC profile the pixels are transformed through it (perceptual intent);
    a profile that is already sRGB, unreadable, or does not fit the pixel mode is ignored and
    the plain mode conversion is used instead. Alpha is carried over unchanged.
    """
    target = "RGBA" if im.mode in ("LA", "RGBA") else "RGB"
    source = _readable_profile(icc_profile)
    if source is None:
        return im if im.mode == target else im.convert(target)
    # LittleCMS profile objects are not thread-safe; a fresh sRGB profile per call is cheap.
    srgb = ImageCms.createProfile("sRGB")
    try:
        if im.mode in ("RGB", "RGBA", "L", "CMYK"):
            return ImageCms.profileToProfile(im, source, srgb, outputMode=target)
        # LittleCMS has no grey+alpha transform: convert the grey band, then put alpha back.
        rgb = ImageCms.profileToProfile(im.getchannel("L"), source, srgb, outputMode="RGB")
        rgb.putalpha(im.getchannel("A"))
        return rgb
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im if im.mode == target else im.convert(target)


def transforms_colour(icc_profile: bytes | None) -> bool:
    """True when `to_srgb` would transform pixels through `icc_profile` (a readable profile
    that is not sRGB); False when it would only convert the mode."""
    return _readable_profile(icc_profile) is not None


def _readable_profile(icc_profile: bytes | None) -> ImageCms.ImageCmsProfile | None:
    if not icc_profile:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
    try:
        description = ImageCms.getProfileDescription(profile)
    except ImageCms.PyCMSError:
        description = ""
    # Most camera and phone files are tagged sRGB; skipping the identity transform saves time.
    if "srgb" in description.lower().replace(" ", ""):
        return None
    return profile


def flatten(im: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """Return `im` as opaque RGB, compositing any alpha over `background`."""
    if im.mode == "RGB":
        return im
    if im.mode not in ("LA", "RGBA"):
        return im.convert("RGB")
    matte = Image.new("RGB", im.size, background)
    matte.paste(im.convert("RGBA") if im.mode == "LA" else im, (0, 0), im.getchannel("A"))
    return matte


# Formats ----------------------------------------------------------------------------------------


_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "it is a GIF image"),
    (b"GIF89a", "it is a GIF image"),
    (b"II*\x00", "it is a TIFF image"),
    (b"MM\x00*", "it is a TIFF image"),
    (b"%PDF-", "it is a PDF document, not an image"),
    (b"8BPS", "it is a Photoshop (PSD) file"),
    (b"\x00\x00\x01\x00", "it is an icon (ICO) file"),
    (b"\xff\x0a", "it is a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "it is a JPEG XL image"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "it is a JPEG 2000 image"),
    (b"qoif", "it is a QOI image"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"}


def sniff_format(data: bytes) -> str:
    """Name the format of `data` from its first bytes.

    Returns "PNG", "JPEG" or "WEBP" for the formats the desk accepts, otherwise a phrase for a
    person saying what the file is instead ("it is a TIFF image").
    """
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    # "BM" alone is too common at the start of text; also require a known DIB header size.
    if data[:2] == b"BM" and len(data) >= 18 and data[14] in (12, 40, 52, 56, 64, 108, 124):
        return "it is a BMP image"
    if data[4:8] == b"ftyp":
        if data[8:12] in (b"avif", b"avis"):
            return "it is an AVIF image"
        if data[8:12] in _HEIF_BRANDS:
            return "it is a HEIC image"
        return "it is a video or other media file, not an image"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (
        head.startswith((b"<?xml", b"<!--", b"<!doc")) and b"<svg" in head
    ):
        return "it is an SVG drawing (text), not a picture: export it as PNG first"
    if b"\x00" not in head and all(b >= 32 or b in b"\t\n\r\f" for b in head):
        return "it is a text file, not an image"
    return "it is not an image the desk can read"


def declared_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """(width, height) as written in a PNG, JPEG or WEBP header, or None when not found.

    Reads only header bytes, so it is safe on a decompression bomb.
    """
    try:
        if fmt == "PNG" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if fmt == "WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(
                    data[27:30], "little"
                )
            if chunk == b"VP8L" and data[20] == 0x2F:
                bits = int.from_bytes(data[21:25], "little")
                return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
            if chunk == b"VP8 ":
                width, height = struct.unpack("<HH", data[26:30])
                return width & 0x3FFF, height & 0x3FFF
        if fmt == "JPEG":
            return _jpeg_frame_size(data)
    except (struct.error, IndexError):
        return None
    return None


def _jpeg_frame_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return None
