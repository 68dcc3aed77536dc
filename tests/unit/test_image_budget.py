"""Hostile images that are cheap to send and expensive to decode, too thin to store, or damaged:
each is stored within the memory budget or refused with a message that says what to do."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops

import stage8.images.downscale
from stage8.errors import InvalidImage
from stage8.images.budget import decode_cost
from stage8.images.downscale import fit_working
from stage8.images.modes import to_working_mode
from stage8.images.pipeline import ImageLimits, process
from tests.unit.test_images import rejection
from tests.upload_corpus import png_chunk

MB = 1024 * 1024
PEAK_LIMIT_MB = 400
LIMITS = ImageLimits()


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def streamed_png(
    width: int, height: int, depth: int, colour_type: int, row: bytes, extra: bytes = b""
) -> bytes:
    """A valid PNG of `height` identical rows, compressed a block at a time (cheap to build)."""
    ihdr = (
        width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([depth, colour_type, 0, 0, 0])
    )
    compressor = zlib.compressobj(1)
    block = (b"\x00" + row) * 1024
    parts = [compressor.compress(block) for _ in range(height // 1024)]
    parts += [compressor.compress((b"\x00" + row) * (height % 1024)), compressor.flush()]
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + extra
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


# Memory: measured in a fresh process ---------------------------------------------------------

_MEASURE = """
import json, resource, sys
from stage8.errors import InvalidImage
from stage8.images.pipeline import process

data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    result = process(data)
    outcome = {"stored": [result.width, result.height]}
except InvalidImage as exc:
    outcome = {"refused": str(exc)}
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({**outcome, "peak_mb": (after - before) / 1024}))
"""


def measured(tmp_path: Path, data: bytes) -> dict:
    """`process(data)` in a fresh interpreter: its outcome and how far it raised the peak RSS."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def transparent_webp() -> bytes:
    """The issue's 2 KB WebP: 16383 × 3662 (60 megapixels), fully transparent."""
    return encode(Image.new("RGBA", (16383, 3662), (0, 0, 0, 0)), "WEBP", lossless=True, method=0)


def keyed_grey16_png() -> bytes:
    """The issue's 16-bit grey PNG: 7745 × 7745 with a transparent colour (tRNS)."""
    row = bytes(2 * 7745)
    return streamed_png(7745, 7745, 16, 0, row, png_chunk(b"tRNS", b"\x01\x02"))


def rgba_png() -> bytes:
    """The costliest PNG the pixel limit lets through: 60 megapixels at 4 bytes a pixel."""
    return streamed_png(7745, 7745, 8, 6, bytes(4 * 7745))


def keyed_rgb_png() -> bytes:
    row = bytes(3 * 12000)
    return streamed_png(12000, 5000, 8, 2, row, png_chunk(b"tRNS", bytes([0, 1, 0, 2, 0, 3])))


def progressive_cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (7745, 7745)), "JPEG", progressive=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("build", "stored"),
    [
        (transparent_webp, None),
        (keyed_grey16_png, (2048, 2048)),
        (rgba_png, (2048, 2048)),
        (keyed_rgb_png, (2048, 853)),
        (progressive_cmyk_jpeg, None),
    ],
    ids=["webp-60mp-alpha", "png-16bit-key", "png-rgba-60mp", "png-rgb-key", "jpeg-progressive"],
)
def test_any_accepted_upload_peaks_under_400_mb(tmp_path, build, stored) -> None:
    result = measured(tmp_path, build())

    if stored is None:
        assert "of memory; the desk decodes images within 340 MB: save it as" in result["refused"]
    else:
        assert result.get("stored") == list(stored), result
    assert result["peak_mb"] < PEAK_LIMIT_MB, result


# Memory: estimated from the header -----------------------------------------------------------


def test_the_issue_webp_is_refused_with_the_limit_and_what_to_do() -> None:
    message = rejection(transparent_webp())

    assert message == (
        "decoding this 16383 × 3662 WEBP image would take about 957 MB of memory; the desk "
        "decodes images within 340 MB: save it as PNG or JPEG, or as a WebP of at most 21 "
        "megapixels"
    )


def test_the_budget_follows_the_limits() -> None:
    data = encode(Image.new("RGB", (400, 300), (10, 20, 30)), "PNG")

    assert process(data, LIMITS).width == 400
    message = rejection(data, ImageLimits(max_decode_bytes=500_000))
    assert message.startswith("decoding this 400 × 300 PNG image would take about 1.4 MB")
    assert message.endswith(
        "the desk decodes images within 0.5 MB: save it as JPEG, or at most 0.042 megapixels"
    )


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def cost(data: bytes, fmt: str) -> int:
    with opened(data) as im:
        return decode_cost(im, fmt, data, im.size, 4096)


def test_a_progressive_jpeg_costs_its_coefficient_buffer() -> None:
    picture = Image.new("RGB", (1600, 800), (200, 40, 40))
    baseline = encode(picture, "JPEG", subsampling=0)
    progressive = encode(picture, "JPEG", subsampling=0, progressive=True)
    # A thumbnail inside EXIF has its own scan header; it is not a second scan of the picture.
    thumb = encode(Image.new("RGB", (64, 32)), "JPEG")
    with_thumb = encode(picture, "JPEG", subsampling=0, exif=b"Exif\x00\x00" + thumb)
    assert with_thumb.count(b"\xff\xda") == 2

    coefficients = 3 * (1600 // 8) * (800 // 8) * 64 * 2
    assert cost(progressive, "JPEG") - cost(baseline, "JPEG") == coefficients
    assert cost(with_thumb, "JPEG") == cost(baseline, "JPEG")


def test_webp_costs_sixteen_bytes_a_pixel_whatever_its_mode() -> None:
    rgb = encode(Image.new("RGB", (500, 400)), "WEBP")
    rgba = encode(Image.new("RGBA", (500, 400)), "WEBP", lossless=True)

    assert cost(rgb, "WEBP") == cost(rgba, "WEBP") >= 500 * 400 * 16


# Downscaling in bands gives the same pixels as one resize -------------------------------------


def noise(mode: str, size: tuple[int, int]) -> Image.Image:
    bands = [Image.effect_noise(size, 80) for _ in Image.new(mode, (1, 1)).getbands()]
    return Image.merge(mode, bands)


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "LA", "L", "CMYK"])
def test_bands_give_the_pixels_of_a_whole_image_resize(monkeypatch, mode: str) -> None:
    monkeypatch.setattr(stage8.images.downscale, "_BAND_BYTES", 30_000)  # bands of 4 rows
    source = noise(mode, (1801, 1203))
    expected = to_working_mode(source).resize((1024, 684), Image.Resampling.LANCZOS)

    result = fit_working(source.copy(), 1024)

    assert result.mode == expected.mode and result.size == expected.size
    assert ImageChops.difference(result, expected).getbbox() is None


def test_transparent_colour_bands_match_the_whole_picture(monkeypatch) -> None:
    monkeypatch.setattr(stage8.images.downscale, "_BAND_BYTES", 30_000)
    source = noise("RGB", (900, 700)).point(lambda v: v // 64 * 64)
    source.info["transparency"] = (0, 64, 128)
    expected = to_working_mode(source).resize((300, 233), Image.Resampling.LANCZOS)

    result = fit_working(source.copy(), 300)

    assert result.mode == "RGBA"
    assert ImageChops.difference(result, expected).getbbox() is None


# Shapes that would be stored too thin ---------------------------------------------------------


def test_a_thin_strip_is_refused_for_what_it_would_become() -> None:
    data = streamed_png(64, 900_000, 8, 2, bytes(3 * 64))

    assert rejection(data) == (
        "the image is too narrow: 64 × 900000 pixels would be stored as 1 × 2048; the shorter "
        "side must stay at least 64 pixels: crop it"
    )


def test_a_long_strip_that_stays_wide_enough_is_stored() -> None:
    data = encode(Image.new("RGB", (100, 3200), (0, 90, 200)), "PNG")
    assert (process(data).width, process(data).height) == (64, 2048)

    narrower = encode(Image.new("RGB", (99, 3200), (0, 90, 200)), "PNG")
    assert "would be stored as 63 × 2048" in rejection(narrower)


# Damaged files and metadata bombs ---------------------------------------------------------------


def test_a_truncated_file_says_what_to_do() -> None:
    data = encode(noise("RGB", (300, 200)), "PNG")

    with pytest.raises(InvalidImage) as refused:
        process(data[: len(data) // 2])
    assert str(refused.value) == (
        "the file is truncated or damaged; re-export it from the program that made it, "
        "or save it as PNG"
    )
    assert rejection(data[:20]).startswith("the file is truncated or damaged (its PNG header); ")


def with_chunk(data: bytes, chunk: bytes, *, after_pixels: bool = False) -> bytes:
    at = len(data) - 12 if after_pixels else 33  # before IEND, or right after IHDR
    return data[:at] + chunk + data[at:]


INFLATING = zlib.compress(bytes(2 * MB), 9)


@pytest.mark.parametrize(
    ("chunk", "after_pixels"),
    [
        (png_chunk(b"zTXt", b"Comment\x00\x00" + INFLATING), False),
        (png_chunk(b"zTXt", b"Comment\x00\x00" + INFLATING), True),
        (png_chunk(b"iCCP", b"icc\x00\x00" + INFLATING), False),
        (png_chunk(b"iTXt", b"XML\x00\x01\x00\x00\x00" + INFLATING), False),
    ],
    ids=["ztxt", "ztxt-after-pixels", "iccp", "itxt"],
)
def test_compressed_metadata_bombs_are_named(chunk: bytes, after_pixels: bool) -> None:
    data = with_chunk(encode(Image.new("RGB", (96, 96)), "PNG"), chunk, after_pixels=after_pixels)

    with pytest.raises(InvalidImage) as refused:
        process(data)

    assert str(refused.value) == (
        "the file has too much compressed metadata (a text or colour-profile chunk that expands "
        "to over 1.0 MB); re-save it without metadata"
    )


def test_many_text_chunks_together_are_named() -> None:
    small = zlib.compress(bytes(1024 * 1000), 9)  # each under the per-chunk limit
    chunks = b"".join(png_chunk(b"zTXt", b"Note\x00\x00" + small) for _ in range(70))

    message = rejection(with_chunk(encode(Image.new("RGB", (96, 96)), "PNG"), chunks))

    assert message == (
        "the file has too much compressed metadata (text chunks that expand to over 64.0 MB); "
        "re-save it without metadata"
    )
