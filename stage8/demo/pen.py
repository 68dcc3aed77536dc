"""The drawing kit of the demo's pictures: a pen in design units, colours, light and labels.

Everything here is a pure function of its arguments (see stage8.demo.art); only Pillow's built-in
font is used, so nothing is downloaded.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

Color = tuple[int, int, int]
Point = tuple[float, float]
INK: Color = (28, 28, 36)
PAPER: Color = (250, 248, 240)
# Per-variant lighting: a tint blended over the whole picture (variant 0 is the master look).
_LIGHTING: tuple[tuple[Color, float], ...] = (
    ((255, 255, 255), 0.0),
    ((255, 170, 60), 0.16),
    ((60, 110, 255), 0.16),
    ((210, 60, 170), 0.14),
    ((60, 200, 120), 0.14),
)


class Pen:
    """ImageDraw in design units: offsets from an origin, multiplied by a scale."""

    def __init__(self, draw: ImageDraw.ImageDraw, x: float, y: float, scale: float) -> None:
        self.draw, self.x, self.y, self.s = draw, x, y, scale

    def _xy(self, points: Sequence[Point]) -> list[Point]:
        return [(self.x + dx * self.s, self.y + dy * self.s) for dx, dy in points]

    def _box(self, cx: float, cy: float, rx: float, ry: float) -> list[Point]:
        return self._xy([(cx - rx, cy - ry), (cx + rx, cy + ry)])

    def _w(self, width: float) -> int:
        return max(1, round(width * self.s)) if width else 0

    def poly(self, points: Sequence[Point], fill: object) -> None:
        self.draw.polygon(self._xy(points), fill=fill)

    def rect(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        fill: object = None,
        *,
        radius: float = 0,
        outline: object = None,
        width: float = 0,
    ) -> None:
        self.draw.rounded_rectangle(
            self._xy([(x0, y0), (x1, y1)]), radius * self.s, fill, outline, self._w(width)
        )

    def oval(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: object = None,
        *,
        outline: object = None,
        width: float = 0,
    ) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill, outline, self._w(width))

    def line(self, points: Sequence[Point], fill: object, width: float) -> None:
        self.draw.line(self._xy(points), fill=fill, width=self._w(width))

    def arc(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        span: tuple[float, float],
        fill: object,
        width: float,
    ) -> None:
        self.draw.arc(self._box(cx, cy, rx, ry), *span, fill=fill, width=self._w(width))

    def dome(self, cx: float, cy: float, rx: float, ry: float, fill: object) -> None:
        """The upper half of an ellipse (hair, caps)."""
        self.draw.chord(self._box(cx, cy, rx, ry), 180, 360, fill=fill)

    def bowl(self, cx: float, cy: float, rx: float, ry: float, fill: object) -> None:
        """The lower half of an ellipse, flat side up (a fringe)."""
        self.draw.pieslice(self._box(cx, cy, rx, ry), 0, 180, fill=fill)

    def ngon(
        self, cx: float, cy: float, r: float, sides: int, fill: object, outline: object = None
    ) -> None:
        (x, y), radius = self._xy([(cx, cy)])[0], r * self.s
        self.draw.regular_polygon((x, y, radius), sides, fill=fill, outline=outline)


def kind_of(name: str, words: dict[str, str]) -> str | None:
    """The first kind with one of its (space-separated) words, or their plural, in `name`."""
    in_name = set(re.findall(r"[a-z]+", name.lower()))
    for kind, keys in words.items():
        if any(key in in_name or key + "s" in in_name for key in keys.split()):
            return kind
    return None


def hsv(h: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def tone(colour: Color, amount: float) -> Color:
    """Lighten (amount > 0, towards white) or darken (amount < 0, towards black)."""
    target = 255 if amount > 0 else 0
    r, g, b = (round(c + (target - c) * abs(amount)) for c in colour)
    return r, g, b


def gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def apply_lighting(img: Image.Image, variant: int) -> Image.Image:
    tint, amount = _LIGHTING[variant % len(_LIGHTING)]
    return Image.blend(img, Image.new("RGB", img.size, tint), amount) if amount else img


def ui_scale(img: Image.Image) -> float:
    return min(img.size) / 640


@lru_cache(maxsize=16)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(px, 8))


def _printable(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    # The bitmap fallback font (Pillow without FreeType) can only encode Latin-1.
    if isinstance(font, ImageFont.FreeTypeFont):
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def draw_tag(img: Image.Image, text: str, at: Point, fill: Color) -> float:
    """Draw `text` on a rounded tag with its text starting at `at`; returns the tag's bottom."""
    s = ui_scale(img)
    font = _font(round(26 * s))
    text = _printable(text, font)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox(at, text, font=font)
    pad = 10 * s
    draw.rounded_rectangle((left - pad, top - pad, right + pad, bottom + pad), 10 * s, fill=fill)
    draw.text(at, text, font=font, fill=PAPER)
    return bottom + pad


def variant_badge(img: Image.Image, variant: int) -> None:
    if variant:
        s, text = ui_scale(img), f"v{variant}"
        width = ImageDraw.Draw(img).textlength(text, font=_font(round(26 * s)))
        draw_tag(img, text, (img.width - width - 24 * s, 20 * s), INK)


def name_tag(img: Image.Image, text: str) -> None:
    """The name, centred on a paper tag along the bottom edge."""
    s = ui_scale(img)
    font = _font(round(34 * s))
    text = _printable(text, font)
    draw = ImageDraw.Draw(img)
    x, y = (img.width - draw.textlength(text, font=font)) / 2, img.height - 64 * s
    left, top, right, bottom = draw.textbbox((x, y), text, font=font)
    pad = 14 * s
    draw.rounded_rectangle(
        (left - pad, top - pad, right + pad, bottom + pad),
        12 * s,
        fill=PAPER,
        outline=INK,
        width=max(1, round(3 * s)),
    )
    draw.text((x, y), text, font=font, fill=INK)
