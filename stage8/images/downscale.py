"""Mode conversion and downscaling in bands of rows: the decoded picture is the only full-size
copy the pipeline ever holds.

Converting a large picture's mode (palette or a transparent colour to alpha, 16-bit grey to 8
bits) and resizing it with alpha (Pillow premultiplies a full copy first) each cost one or more
further full-size copies: 60 megapixels with a transparent colour peaked at over 700 MB. Here a
band of rows at a time is converted to a working mode, premultiplied when it has alpha, and
resized horizontally; the bands are stacked into an image already as wide as the target, and one
vertical pass finishes. LANCZOS is separable and Pillow runs its horizontal pass row by row, so
the result has the same pixels as one whole-image resize. Extra memory: at most the stacked
image (target width × height × 4 bytes, under 64 MB at 60 megapixels) and one band.
"""

from __future__ import annotations

from PIL import Image

from stage8.images.modes import to_working_mode

# One band of the source is at most about this many bytes (at 4 bytes a pixel).
_BAND_BYTES = 4 * 1024 * 1024
_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}
_STRAIGHT = {v: k for k, v in _PREMULTIPLIED.items()}


def fitted_size(width: int, height: int, edge: int) -> tuple[int, int]:
    """The size an image is stored at: longest edge at most `edge`, aspect ratio kept, and
    never under 1 pixel; images already small enough keep their size."""
    longest = max(width, height)
    if longest <= edge:
        return width, height
    return max(1, round(width * edge / longest)), max(1, round(height * edge / longest))


def working_copy_bytes(width: int, height: int, edge: int) -> int:
    """Memory `fit_working` needs beside the decoded picture, for an image of that size."""
    target_width, target_height = fitted_size(width, height, edge)
    if (target_width, target_height) == (width, height):
        return 2 * width * height * 4  # a whole-image conversion: source mode and result
    band_rows = _band_rows(width)
    # The stacked bands, and a band in its source mode, working mode and premultiplied; the
    # source is released before the vertical pass, so its output does not add to the peak.
    return (target_width * height + 3 * width * band_rows) * 4


def fit_working(im: Image.Image, edge: int) -> Image.Image:
    """`im` in a working mode (see `modes.to_working_mode`), longest edge at most `edge`.

    Same pixels as `to_working_mode` followed by a LANCZOS resize, without a full-size copy.
    When `im` has to shrink it is closed (its memory released) before the last pass, so it
    must not be used afterwards; its `mode`, `size` and `info` stay readable.
    """
    # 32-bit grey is scaled by the whole picture's range, so every band must use the same.
    wide = im.getextrema()[1] > 255 if im.mode in ("I", "F") else None
    width, height = im.size
    target_width, target_height = fitted_size(width, height, edge)
    if (target_width, target_height) == (width, height):
        return to_working_mode(im, wide=wide)
    rows = _band_rows(width)
    stacked: Image.Image | None = None
    for top in range(0, height, rows):
        band = to_working_mode(im.crop((0, top, width, min(height, top + rows))), wide=wide)
        if band.mode in _PREMULTIPLIED:
            band = band.convert(_PREMULTIPLIED[band.mode])
        band = band.resize((target_width, band.height), Image.Resampling.LANCZOS)
        if stacked is None:
            stacked = Image.new(band.mode, (target_width, height))
        stacked.paste(band, (0, top))
    assert stacked is not None  # height >= 1, so there was at least one band
    im.close()
    result = stacked.resize((target_width, target_height), Image.Resampling.LANCZOS)
    return result.convert(_STRAIGHT[result.mode]) if result.mode in _STRAIGHT else result


def _band_rows(width: int) -> int:
    return max(1, _BAND_BYTES // (width * 4))
