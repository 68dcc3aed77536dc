"""A corpus of awkward upload files and what the desk must do with each of them.

    python -m tests.upload_corpus FOLDER    # write the files and manifest.json into FOLDER

`corpus()` returns `CorpusFile(filename, data, expect)` tuples: the name a browser would send
(with `../`, Unicode, control characters, 300 characters, ...), the bytes, and an `Expect`
saying whether the file is rejected (with a fragment of the reason) or stored (size, pixel
mode, format, and colours at a few points of the upright picture). Everything is generated
here with Pillow and by hand-written headers; nothing is downloaded.
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zlib
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Literal, NamedTuple

from PIL import Image, ImageDraw

MB = 1024 * 1024
MAX_BYTES = 25 * MB  # the default STAGE8_MAX_UPLOAD_MB
RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 220, 40)
# Points of the upright picture (fractions of width and height) and the colour expected there.
QUADRANTS = ((0.25, 0.25, RED), (0.75, 0.25, GREEN), (0.25, 0.75, BLUE), (0.75, 0.75, YELLOW))
# How a camera stores an upright picture for each EXIF orientation (the inverse of the
# transpose a viewer applies), written out here independently of stage8.images.pipeline.
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@dataclass(frozen=True)
class Expect:
    """What must happen to a file. For `stored`, sizes are (width, height) as a viewer sees."""

    case: str
    outcome: Literal["stored", "rejected"]
    reason: str = ""  # a fragment of the rejection message
    display_name: str | None = None  # the name shown, when it is not the file name
    size: tuple[int, int] | None = None
    original_size: tuple[int, int] | None = None
    original_format: str | None = None
    mime: str = "image/jpeg"
    mode: str = "RGB"
    probes: tuple[tuple[float, float, tuple[int, ...]], ...] = ()
    tolerance: int = 40


class CorpusFile(NamedTuple):
    filename: str
    data: bytes
    expect: Expect


def encode(im: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def quadrants(size: tuple[int, int] = (120, 80)) -> Image.Image:
    """An upright picture with four coloured quarters, so orientation mistakes show."""
    w, h = size
    im = Image.new("RGB", size, RED)
    draw = ImageDraw.Draw(im)
    draw.rectangle((w // 2, 0, w, h // 2), fill=GREEN)
    draw.rectangle((0, h // 2, w // 2, h), fill=BLUE)
    draw.rectangle((w // 2, h // 2, w, h), fill=YELLOW)
    return im


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def rgb48_png() -> bytes:
    """A 16-bit-per-channel RGB PNG: left half full red, right half half-intensity blue."""
    row = b"\x00" + struct.pack(">HHH", 65535, 0, 0) * 48 + struct.pack(">HHH", 0, 0, 32768) * 48
    return raw_png(96, 96, 16, 2, row * 96)


def grey16_png() -> bytes:
    im = Image.new("I;16", (96, 96), 32768)
    im.paste(65535, (48, 0, 96, 96))
    return encode(im, "PNG")


def palette_png() -> bytes:
    im = Image.new("P", (96, 96), 0)
    im.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (48, 0, 96, 96))
    return encode(im, "PNG", transparency=0)


def grey_alpha_png() -> bytes:
    im = Image.new("LA", (96, 96), (100, 255))
    im.paste((100, 0), (0, 0, 48, 96))
    return encode(im, "PNG")


def oriented_jpeg(orientation: int) -> bytes:
    stored = quadrants()
    if STORED_AS[orientation] is not None:
        stored = stored.transpose(STORED_AS[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    return encode(quadrants(), "JPEG", quality=95, exif=exif.tobytes())


def animation(fmt: str) -> bytes:
    frames = [Image.new("RGB", (96, 96), c) for c in (RED, GREEN, BLUE)]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def busy(size: tuple[int, int]) -> Image.Image:
    """Noise over the quadrants: real work for the encoders, quadrants still readable."""
    noise = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(quadrants(size), noise, 0.15)


def bomb_png() -> bytes:
    return raw_png(50_000, 50_000, 8, 2, b"\x00" * 64)


def ztxt_bomb_png() -> bytes:
    """A small PNG whose compressed comment inflates to 2 MB (over Pillow's 1 MB chunk limit)."""
    png = encode(quadrants(), "PNG")
    chunk = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(bytes(2 * MB), 9))
    return png[:33] + chunk + png[33:]  # right after IHDR


def texted_png() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.com")
    return encode(quadrants(), "PNG", pnginfo=info)


def halves(left: tuple[int, ...], right: tuple[int, ...]) -> tuple:
    """Probes for a picture whose left and right halves differ."""
    return ((0.2, 0.5, left), (0.8, 0.5, right))


def stored(name: str, data: bytes, case: str, size=(120, 80), original=None, fmt="PNG", **kw):
    kw.setdefault("probes", QUADRANTS)
    expect = Expect(case, "stored", size=size, original_size=original or size, original_format=fmt)
    return CorpusFile(name, data, replace(expect, **kw))


def rejected(name: str, data: bytes, case: str, reason: str) -> CorpusFile:
    return CorpusFile(name, data, Expect(case, "rejected", reason=reason))


@cache
def corpus() -> tuple[CorpusFile, ...]:
    """Every corpus file (built once per process)."""
    photo = busy((400, 300))
    jpeg, png = encode(photo, "JPEG", quality=90), encode(photo, "PNG")
    pic = quadrants()
    pic_png, pic_jpeg = encode(pic, "PNG"), encode(pic, "JPEG", quality=95)
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    long_name = "storyboard-" + "x" * 285 + ".png"
    files = [
        rejected("truncated.jpg", jpeg[: len(jpeg) // 2], "truncated_jpeg", "truncated or damaged"),
        rejected("truncated.png", png[: len(png) // 2], "truncated_png", "truncated or damaged"),
        rejected("header-only.png", png[:20], "cut_in_header", "truncated or damaged"),
        rejected("empty.png", b"", "empty", "the file is empty"),
        rejected("notes.png", b"Shot list:\n1. Mara at the door\n", "text", "text file"),
        rejected("logo.png", svg, "svg", "SVG drawing"),
        rejected("scan.png", encode(pic, "TIFF"), "tiff", "TIFF image"),
        rejected("paint.png", encode(pic, "BMP"), "bmp", "BMP image"),
        rejected("still.png", encode(pic, "GIF"), "gif_still", "GIF image"),
        rejected("brief.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf", "PDF document"),
        rejected("phone.jpg", heic, "heic", "HEIC image"),
        rejected("noise.webp", bytes(range(256)) * 8, "binary", "not an image the desk can read"),
        rejected("bomb.png", bomb_png(), "bomb_50000x50000", "50000 × 50000 pixels"),
        rejected(
            "huge.jpg", b"\xff\xd8\xff" + bytes(MAX_BYTES - 2), "over_max_bytes", "up to 25.0 MB"
        ),
        rejected(
            "pixel.png", encode(Image.new("RGB", (1, 1)), "PNG"), "one_pixel", "only 1 × 1 pixels"
        ),
        rejected(
            "strip.png", encode(Image.new("RGB", (2000, 40)), "PNG"), "too_narrow", "at least 64"
        ),
        rejected(
            "ribbon.png",
            encode(Image.new("RGB", (90, 3200)), "PNG"),
            "too_narrow_when_stored",
            "would be stored as 58 × 2048",
        ),
        rejected("notes-bomb.png", ztxt_bomb_png(), "ztxt_bomb", "too much compressed metadata"),
        rejected("blink.gif", animation("GIF"), "animated_gif", "GIF image"),
        rejected(
            "blink.webp", animation("WEBP"), "animated_webp", "animated images are not accepted"
        ),
        rejected("blink.png", animation("PNG"), "animated_png", "animated images are not accepted"),
        stored(
            "cmyk.jpg", encode(pic.convert("CMYK"), "JPEG", quality=95), "cmyk_jpeg", fmt="JPEG"
        ),
        stored(
            "deep-grey.png",
            grey16_png(),
            "grey_16bit_png",
            (96, 96),
            probes=halves((128,) * 3, (255,) * 3),
            tolerance=6,
        ),
        stored(
            "deep-rgb.png",
            rgb48_png(),
            "rgb_48bit_png",
            (96, 96),
            probes=halves((255, 0, 0), (0, 0, 128)),
            tolerance=12,
        ),
        stored(
            "palette.png",
            palette_png(),
            "palette_transparency",
            (96, 96),
            mime="image/webp",
            mode="RGBA",
            probes=halves((0, 0, 0, 0), (0, 0, 255, 255)),
            tolerance=10,
        ),
        stored(
            "grey-alpha.png",
            grey_alpha_png(),
            "grey_alpha",
            (96, 96),
            mime="image/webp",
            mode="RGBA",
            probes=halves((0, 0, 0, 0), (100, 100, 100, 255)),
            tolerance=10,
        ),
        *(
            stored(f"orientation-{o}.jpg", oriented_jpeg(o), f"exif_orientation_{o}", fmt="JPEG")
            for o in range(1, 9)
        ),
        stored("holiday.jpg", gps_jpeg(), "gps_exif_jpeg", fmt="JPEG"),
        stored("credits.png", texted_png(), "png_text_chunks"),
        stored(
            "big.jpg",
            encode(busy((3000, 2000)), "JPEG", quality=90),
            "downscaled_jpeg",
            (2048, 1365),
            (3000, 2000),
            "JPEG",
        ),
        stored(
            "wide.png",
            encode(busy((2500, 1000)), "PNG"),
            "downscaled_png",
            (2048, 819),
            (2500, 1000),
        ),
        stored("actually-a-jpeg.png", pic_jpeg, "jpeg_named_png", fmt="JPEG"),
        stored("actually-a-png.jpg", pic_png, "png_named_jpg"),
        stored("lossy.webp", encode(pic, "WEBP", quality=90), "webp_lossy", fmt="WEBP"),
        stored("../../etc/passwd.png", pic_png, "dot_dot_slash", display_name="passwd.png"),
        stored("..\\..\\Windows\\win.ini.png", pic_png, "backslash", display_name="win.ini.png"),
        stored("Straße – 画像 🎬.png", pic_png, "unicode_name"),
        stored(long_name, pic_png, "name_300_chars", display_name=long_name[:250] + "….png"),
        stored(
            "new\nline\x00nul\u202egnp.png",
            pic_png,
            "control_chars",
            display_name="newlinenulgnp.png",
        ),
        stored(
            "<img src=x onerror=alert(1)> **y** [z](javascript:alert(1)) :red[w] $v$.png",
            pic_png,
            "markup_name",
        ),
    ]
    assert len({f.expect.case for f in files}) == len(files), "case names must be unique"
    return tuple(files)


def build_corpus(folder: Path) -> list[CorpusFile]:
    """Write every corpus file into `folder` (under safe numbered names) plus manifest.json."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, item in enumerate(corpus()):
        path = folder / f"{i:02d}-{item.expect.case}"
        path.write_bytes(item.data)
        manifest.append({"file": path.name, "filename": item.filename, **asdict(item.expect)})
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return list(corpus())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.upload_corpus FOLDER")
    built = build_corpus(Path(sys.argv[1]))
    print(f"Wrote {len(built)} files and manifest.json to {sys.argv[1]}")
