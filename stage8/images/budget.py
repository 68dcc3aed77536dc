"""How much memory decoding an image will take, judged from its header before any pixel is decoded.

The pixel limit alone does not bound memory: a 2 KB WebP of 60 megapixels needed a gigabyte.
What the decoders hold (Pillow 12, peak resident memory measured in a fresh process):

- PNG: the picture in Pillow's layout: 1 byte a pixel for grey, palette and 1-bit, 2 for 16-bit
  grey, 4 for everything else (Pillow keeps RGB in 4 bytes too).
- JPEG: the picture at its draft scale (4 bytes a pixel) and, when the file has more than one
  scan (progressive, or components in separate scans), libjpeg's coefficient buffer for the
  whole picture at full size: 2 bytes per sample of every component.
- WebP: Pillow's only WebP decoder (libwebp's animation decoder) keeps two RGBA canvases and
  hands Pillow a third copy as bytes: 16 bytes a pixel, whatever the mode.

Then the working copies of `downscale.fit_working`. An image whose estimate is over the budget
is refused with the memory it would need and what to save it as instead.
"""

from __future__ import annotations

import re
import struct
from math import ceil

from PIL import ImageFile

from stage8.errors import InvalidImage
from stage8.images.downscale import working_copy_bytes

_MB = 1024 * 1024
_NARROW_MODES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
_WIDE_PIXEL = 4
_WEBP_BYTES_PER_PIXEL = 16
_COEFFICIENT_BYTES = 64 * 2  # one 8 x 8 block of 16-bit DCT coefficients
# After the first scan header: the next end-of-image or scan-header marker. In entropy-coded
# data a 0xFF byte is always followed by 0x00 or a restart marker, so these are real markers.
_END_OR_SCAN = re.compile(rb"\xff[\xd9\xda]")


def decode_cost(
    im: ImageFile.ImageFile, fmt: str, data: bytes, full_size: tuple[int, int], edge: int
) -> int:
    """Bytes `pipeline` will hold at its peak to decode `im` and fit it to `edge`.

    `im` is opened, not loaded, and a JPEG already has its draft scale set, so `im.size` is the
    size it will decode at; `full_size` is the size in the file's header.
    """
    width, height = im.size
    if fmt == "WEBP":
        decoded = width * height * _WEBP_BYTES_PER_PIXEL
    else:
        decoded = width * height * _NARROW_MODES.get(im.mode, _WIDE_PIXEL)
    if fmt == "JPEG" and _several_scans(im, data):
        decoded += _coefficient_bytes(im, full_size)
    return decoded + working_copy_bytes(width, height, edge)


def check_decode_cost(
    im: ImageFile.ImageFile,
    fmt: str,
    data: bytes,
    full_size: tuple[int, int],
    edge: int,
    budget: int,
) -> None:
    """Raise InvalidImage, saying the limit and what to do, when `decode_cost` is over budget."""
    cost = decode_cost(im, fmt, data, full_size, edge)
    if cost <= budget:
        return
    width, height = full_size
    megapixels = width * height * budget / cost / 1e6
    fits = f"{megapixels:.0f}" if megapixels >= 10 else f"{megapixels:.2g}"
    if fmt == "WEBP":
        advice = f"save it as PNG or JPEG, or as a WebP of at most {fits} megapixels"
    elif fmt == "JPEG" and _several_scans(im, data):
        advice = (
            f"save it as a standard (baseline, not progressive) JPEG, or at most {fits} megapixels"
        )
    else:
        advice = f"save it as JPEG, or at most {fits} megapixels"
    raise InvalidImage(
        f"decoding this {width} × {height} {fmt} image would take about {_megabytes(cost)} "
        f"of memory; the desk decodes images within {_megabytes(budget)}: {advice}"
    )


def _megabytes(count: int) -> str:
    return f"{ceil(count / _MB)} MB" if count >= 10 * _MB else f"{count / _MB:.1f} MB"


def _several_scans(im: ImageFile.ImageFile, data: bytes) -> bool:
    if im.info.get("progressive") or im.info.get("progression"):
        return True
    first = _first_scan(data)
    if first is None:
        return False
    for marker in _END_OR_SCAN.finditer(data, first + 2):
        return marker.group()[1] == 0xDA  # a second scan before the end of the image
    return False


def _first_scan(data: bytes) -> int | None:
    """Offset of the first start-of-scan marker, walking the header segments by their lengths
    (so a thumbnail inside EXIF is skipped), or None."""
    pos = 2
    try:
        while pos + 4 <= len(data):
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
            elif 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
                pos += 2
            elif marker == 0xDA:
                return pos
            else:
                pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    except struct.error:
        return None
    return None


def _coefficient_bytes(im: ImageFile.ImageFile, full_size: tuple[int, int]) -> int:
    # Pillow's JPEG plugin lists the components as (id, horizontal, vertical, table).
    layers = getattr(im, "layer", None) or [(0, 1, 1, 0)] * 3
    h_max = max(h for _, h, _, _ in layers) or 1
    v_max = max(v for _, _, v, _ in layers) or 1
    mcu_columns = ceil(full_size[0] / (8 * h_max))
    mcu_rows = ceil(full_size[1] / (8 * v_max))
    blocks = sum(mcu_columns * h * mcu_rows * v for _, h, v, _ in layers)
    return blocks * _COEFFICIENT_BYTES
