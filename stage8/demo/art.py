"""Pillow drawings for the demo project: characters, locations, props and scene attempts.

Every drawing is a pure function of its arguments: randomness comes from `random.Random` seeded
with a string (hashed with SHA-512, so PYTHONHASHSEED does not matter), never from global state.
Only Pillow's built-in font is used, so nothing is downloaded.
"""

from __future__ import annotations

import colorsys
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFont

Color = tuple[int, int, int]
Point = tuple[float, float]
_INK: Color = (28, 28, 36)
_PAPER: Color = (250, 248, 240)
# Per-variant lighting: a tint blended over the whole picture (variant 0 is the master look).
_LIGHTING: tuple[tuple[Color, float], ...] = (
    ((255, 255, 255), 0.0),
    ((255, 170, 60), 0.16),
    ((60, 110, 255), 0.16),
    ((210, 60, 170), 0.14),
    ((60, 200, 120), 0.14),
)


def draw_character(
    name: str, palette_seed: int, variant: int = 0, size: tuple[int, int] = (768, 768)
) -> Image.Image:
    """A stylised full-figure character (RGB, `size`), labelled with `name`.

    The same (name, palette_seed) always gives the same person: skin, hair style and colour,
    outfit and accessory. `variant` keeps the person but changes pose, gaze, brows, smile and
    lighting, and adds a "v<variant>" badge, so attempts differ visibly.
    """
    rng = random.Random(f"character:{name}:{palette_seed}")
    look = _Look(
        outfit=_hsv(rng.random(), 0.55 + rng.random() * 0.3, 0.55 + rng.random() * 0.3),
        trousers=_hsv(rng.random(), 0.35, 0.25 + rng.random() * 0.2),
        skin=rng.choice([(255, 224, 196), (241, 194, 150), (198, 134, 86), (141, 85, 54)]),
        hair=rng.choice(
            [(40, 30, 25), (110, 60, 30), (220, 180, 90), (170, 40, 30), (90, 90, 100)]
        ),
        iris=_hsv(rng.random(), 0.6, 0.5),
        extra=_hsv(rng.random(), 0.8, 0.85),
        hair_style=rng.randrange(5),
        accessory=rng.randrange(5),
        build=0.85 + rng.random() * 0.35,
    )
    backdrop = _hsv(rng.random(), 0.3, 0.8)
    img = _gradient(size, _hsv(rng.random(), 0.25, 0.98), backdrop)
    # Design units: a 768 x 768 canvas with the origin at its centre.
    pen = _Pen(ImageDraw.Draw(img), size[0] / 2, size[1] / 2, min(size) / 768)
    pen.oval(0, 277, 170 * look.build, 24, fill=_shade(backdrop, -0.35))
    _figure(pen, look, variant)
    img = _light(img, variant)
    _label(img, name)
    _variant_badge(img, variant)
    return img


def draw_location(
    name: str, seed: int, variant: int = 0, size: tuple[int, int] = (1024, 640)
) -> Image.Image:
    """A landscape or interior (RGB, `size`) labelled with `name`.

    The kind follows words in the name (room/office, forest/park, coast/harbour, street/town,
    mountain/valley; otherwise chosen by `seed`), as does a time of day (night, dusk, ...).
    `variant` moves the time of day on (day, dusk, night, dawn), which changes sky, light and
    lit windows, and adds a "v<variant>" badge.
    """
    rng = random.Random(f"location:{name}:{seed}")
    width, height = size
    kind = _kind(name, _LOCATION_WORDS) or rng.choice(["city", "forest", "coast", "mountains"])
    times = ("day", "dusk", "night", "dawn")
    named = _kind(name, _TIME_WORDS)
    time = times[((times.index(named) if named else rng.randrange(4)) + variant) % 4]
    img = _gradient(size, *_SKIES[time])
    draw = ImageDraw.Draw(img)
    s = min(width / 1024, height / 640)
    horizon = height * (0.58 + rng.random() * 0.1)
    if kind == "interior":
        _interior(draw, size, s, rng, time)
    else:
        _sky(draw, size, horizon, s, rng, time)
        _landscape(draw, size, horizon, s, rng, time, kind)
    img = _light(img, variant)
    _label(img, name)
    _variant_badge(img, variant)
    return img


def draw_prop(
    name: str, seed: int, variant: int = 0, size: tuple[int, int] = (640, 640)
) -> Image.Image:
    """An object (RGB, `size`) drawn from shapes on a spot-lit backdrop, labelled with `name`.

    The object follows words in the name (sword, lantern, book, car, key, cup; otherwise chosen
    by `seed`); `variant` turns it and changes the lighting, with a "v<variant>" badge.
    """
    rng = random.Random(f"prop:{name}:{seed}")
    kind = _kind(name, _PROP_WORDS) or rng.choice(sorted(_PROPS))
    colour = _hsv(rng.random(), 0.6, 0.8)
    backdrop = _hsv(rng.random(), 0.2, 0.35)
    img = _gradient(size, _shade(backdrop, 0.3), _shade(backdrop, -0.4))
    centre, s = (size[0] / 2, size[1] / 2), min(size) / 640
    _Pen(ImageDraw.Draw(img), *centre, s).oval(0, 35, 270, 230, fill=_shade(backdrop, 0.45))
    # Drawn on a transparent layer so that a variant can turn the object, not the backdrop.
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    _PROPS[kind](_Pen(ImageDraw.Draw(layer), *centre, s), colour)
    layer = layer.rotate((0, -10, 8, -5, 12)[variant % 5], Image.Resampling.BICUBIC)
    img.paste(layer, (0, 0), layer)
    img = _light(img, variant)
    _label(img, name)
    _variant_badge(img, variant)
    return img


def draw_scene_variant(
    base: Image.Image, scene_number: int, attempt_number: int, label: str
) -> Image.Image:
    """A copy of `base` (RGB) graded and badged as attempt `attempt_number` of scene `scene_number`.

    The grade (tint, contrast, saturation) and the frame colour are fixed by the two numbers, so
    attempts of the same asset differ at a glance and redrawing one gives the same pixels. The
    badge reads "Scene <n> · Attempt <m>", with `label` (if any) on a second tag below it.
    """
    rng = random.Random(f"grade:{scene_number}:{attempt_number}")
    hue = rng.random()
    img = Image.blend(base.convert("RGB"), Image.new("RGB", base.size, _hsv(hue, 0.7, 0.9)), 0.2)
    img = ImageEnhance.Contrast(img).enhance(0.85 + rng.random() * 0.35)
    img = ImageEnhance.Color(img).enhance(0.6 + rng.random() * 0.7)
    s = _ui_scale(img)
    frame = _hsv(hue, 0.8, 0.75)
    ImageDraw.Draw(img).rectangle(
        (0, 0, img.width - 1, img.height - 1), outline=frame, width=max(2, round(8 * s))
    )
    bottom = _tag(img, f"Scene {scene_number} · Attempt {attempt_number}", (18 * s, 18 * s), frame)
    if label:
        _tag(img, label, (18 * s, bottom + 24 * s), _INK)
    return img


class _Pen:
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


# Characters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Look:
    """Who a character is: fixed by name and palette seed, the same in every variant."""

    outfit: Color
    trousers: Color
    skin: Color
    hair: Color
    iris: Color
    extra: Color
    hair_style: int
    accessory: int
    build: float


def _figure(pen: _Pen, look: _Look, variant: int) -> None:
    half, shoulder, hip, feet, head = 95 * look.build, -62, 123, 277, -161
    if look.accessory == 4:  # a cape, behind everything
        pen.poly(
            [(-half, shoulder), (half, shoulder), (half * 1.5, 257), (-half * 1.5, 257)],
            fill=_shade(look.outfit, -0.45),
        )
    if look.hair_style == 1:  # long hair falls behind the shoulders
        pen.rect(-118, head - 125, 118, head + 125, look.hair, radius=50)
    for side in (-1, 1):
        x = side * half * 0.45
        pen.rect(x - 30, hip - 20, x + 30, feet - 18, look.trousers, radius=14)
        pen.oval(x + side * 12, feet - 14, 42, 18, fill=_INK)
    # Each hand's (outward, down) offset from its shoulder per pose: arms down, waving, on hips.
    pose = ((40, 190), (40, 190)), ((40, 190), (110, -120)), ((-40, 150), (-40, 150))
    for side, (out, down) in zip((-1, 1), pose[variant % 3], strict=True):
        start = (side * (half - 12), shoulder + 12)
        hand = (start[0] + side * out, start[1] + down)
        pen.line([start, hand], look.outfit, 36)
        pen.oval(*hand, 20, 20, fill=look.skin)
    pen.rect(-half, shoulder - 10, half, hip + 10, look.outfit, radius=40)
    pen.rect(-half, hip - 12, half, hip + 4, _shade(look.outfit, -0.5))
    pen.poly(
        [(-30, shoulder - 10), (30, shoulder - 10), (0, shoulder + 40)], _shade(look.outfit, 0.35)
    )
    pen.rect(-22, head + 60, 22, shoulder, _shade(look.skin, -0.1))
    for side in (-1, 1):
        pen.oval(side * 92, head + 8, 16, 24, fill=look.skin)
    pen.oval(0, head, 92, 105, fill=look.skin)
    _hair(pen, head, look)
    _face(pen, head, look, variant)
    _accessory(pen, head, shoulder, look)


def _hair(pen: _Pen, head: float, look: _Look) -> None:
    style, hair = look.hair_style, look.hair
    if style in (0, 1, 3):
        pen.dome(0, head - 8, 96, 100, hair)
        pen.bowl(-40, head - 30, 60, 40, hair)  # the fringe
    if style == 2:  # spikes
        step = 192 / 7
        points = [(-96.0, head - 10)]
        for i in range(7):
            x = -96 + (i + 0.5) * step
            points += [(x, head - 150 + (i % 2) * 20), (x + step / 2, head - 80)]
        pen.poly([*points, (96, head - 10)], hair)
    if style == 3:
        pen.oval(0, head - 120, 40, 36, fill=hair)  # bun
    if style == 4:  # flat cap
        pen.dome(0, head - 30, 100, 80, _shade(hair, 0.2))
        pen.rect(-100, head - 34, 130, head - 22, hair)


def _face(pen: _Pen, head: float, look: _Look, variant: int) -> None:
    gaze = (variant % 3 - 1) * 6
    for side in (-1, 1):
        x, y = side * 36, head + 4
        pen.oval(x, y, 20, 14, fill="white", outline=_INK, width=2)
        pen.oval(x + gaze, y, 9, 9, fill=look.iris)
        pen.oval(x + gaze, y, 4, 4, fill=_INK)
        pen.line([(x - 18, y - 26), (x + 18, y - 30 + side * (variant % 2) * 6)], _INK, 5)
        pen.oval(side * 58, head + 40, 14, 8, fill=(240, 140, 140))
    pen.arc(0, head + 26, 8, 10, (200, 340), _INK, 3)
    pen.arc(0, head + 46, 26 + variant % 4 * 4, 16, (10, 170), (150, 40, 50), 5)


def _accessory(pen: _Pen, head: float, neck: float, look: _Look) -> None:
    if look.accessory == 0:  # glasses
        for side in (-1, 1):
            pen.oval(side * 36, head + 4, 28, 24, outline=_INK, width=5)
        pen.line([(-8, head), (8, head)], _INK, 5)
    elif look.accessory == 1:  # scarf
        pen.rect(-70, neck - 26, 70, neck + 10, look.extra, radius=16)
        pen.rect(20, neck, 50, neck + 110, _shade(look.extra, -0.2))
    elif look.accessory == 2:  # earrings
        for side in (-1, 1):
            pen.oval(side * 94, head + 40, 9, 9, fill=(240, 200, 60))
    elif look.accessory == 3:  # star badge on the chest
        pen.ngon(50, neck + 60, 22, 5, (250, 210, 60), _INK)


# Locations ------------------------------------------------------------------------------------

_LOCATION_WORDS = {
    "interior": "room kitchen office hall bar cafe library lab apartment studio shop",
    "forest": "forest wood woods park garden jungle grove camp",
    "coast": "coast beach harbour harbor sea lake pier port river",
    "city": "street city town market alley station square rooftop road",
    "mountains": "mountain peak cliff valley canyon desert",
}
_TIME_WORDS = {
    "day": "day noon morning",
    "dusk": "dusk sunset evening",
    "night": "night midnight",
    "dawn": "dawn sunrise",
}
_SKIES: dict[str, tuple[Color, Color]] = {
    "day": ((90, 160, 235), (200, 228, 250)),
    "dusk": ((70, 50, 120), (250, 150, 90)),
    "night": ((8, 12, 40), (40, 50, 100)),
    "dawn": ((150, 170, 220), (255, 200, 170)),
}
_GROUND_LIGHT = {"day": 0.0, "dusk": -0.3, "night": -0.6, "dawn": -0.15}


def _sky(
    draw: ImageDraw.ImageDraw,
    size: tuple[int, int],
    horizon: float,
    s: float,
    rng: random.Random,
    time: str,
) -> None:
    width = size[0]
    x = width * (0.15 + rng.random() * 0.7)
    if time == "night":
        for _ in range(60):
            _Pen(draw, rng.random() * width, rng.random() * horizon * 0.9, s).oval(
                0, 0, 1.5, 1.5, fill=(255, 255, 230)
            )
        moon = _Pen(draw, x, horizon * 0.3, s)
        moon.oval(0, 0, 34, 34, fill=(240, 240, 210))
        moon.oval(14, -8, 30, 30, fill=(20, 26, 60))
        return
    sun = _Pen(draw, x, horizon * (0.25 if time == "day" else 0.8), s)
    colour = (255, 240, 150) if time == "day" else (255, 170, 90)
    sun.oval(0, 0, 60, 60, fill=_shade(colour, 0.3))
    sun.oval(0, 0, 46, 46, fill=colour)
    for _ in range(3):
        cloud = _Pen(draw, rng.random() * width, horizon * (0.15 + rng.random() * 0.35), s)
        for dx in (-40, 0, 40):
            cloud.oval(dx, -abs(dx) * 0.3, 50, 26, fill=(255, 255, 255))


def _landscape(
    draw: ImageDraw.ImageDraw,
    size: tuple[int, int],
    horizon: float,
    s: float,
    rng: random.Random,
    time: str,
    kind: str,
) -> None:
    width, height = size
    light = _GROUND_LIGHT[time]
    peak = 160 if kind == "mountains" else 70
    far = [(width * i / 8, horizon - (40 + rng.random() * peak) * s) for i in range(9)]
    draw.polygon([(0, horizon), *far, (width, horizon)], fill=_shade((120, 130, 160), light))
    ground = {"coast": (40, 110, 170), "city": (70, 70, 75)}.get(kind, (80, 150, 70))
    draw.rectangle((0, horizon, width, height), fill=_shade(ground, light))
    if kind == "coast":
        for i in range(1, 9):
            y = horizon + i * (height - horizon) / 10
            draw.line([(0, y), (width, y)], fill=_shade((120, 190, 230), light), width=round(3 * s))
        sand = _shade((230, 210, 150), light)
        draw.polygon([(0, height), (0, height * 0.85), (width * 0.6, height)], fill=sand)
    elif kind == "city":
        _buildings(draw, width, horizon + 30 * s, s, rng, time, light)
        for i in range(6):
            x = i * width / 6
            draw.rectangle((x + 20 * s, height * 0.93, x + 90 * s, height * 0.95), (230, 230, 200))
    else:
        for _ in range(14 if kind == "forest" else 5):
            x, base = rng.random() * width, horizon + rng.random() * (height - horizon) * 0.7
            tree = _Pen(draw, x, base, s)
            h = (40 + rng.random() * 50) * (1.6 if kind == "forest" else 1)
            green = _shade(_hsv(0.25 + rng.random() * 0.12, 0.6, 0.55), light)
            tree.rect(-6, -h * 0.4, 6, 0, _shade((110, 70, 40), light))
            if kind == "forest" and rng.random() < 0.5:
                tree.oval(0, -h, h * 0.6, h * 0.7, fill=green)
                continue
            for k in range(3):
                top, half = -h * (1.6 - k * 0.35), h * (0.35 + k * 0.15)
                tree.poly([(0, top), (-half, top + h * 0.7), (half, top + h * 0.7)], green)


def _buildings(
    draw: ImageDraw.ImageDraw,
    width: int,
    street: float,
    s: float,
    rng: random.Random,
    time: str,
    light: float,
) -> None:
    x = 0.0
    while x < width:
        w, h = (60 + rng.random() * 90) * s, (90 + rng.random() * 240) * s
        body = _shade(_hsv(rng.random(), 0.15, 0.6), light)
        draw.rectangle((x, street - h, x + w - 4 * s, street), fill=body)
        for wy in range(round(street + 10 * s - h), round(street - 20 * s), round(28 * s)):
            for wx in range(round(x + 10 * s), round(x + w - 20 * s), round(24 * s)):
                lit = time in ("night", "dusk") and rng.random() < 0.6
                window = (255, 220, 120) if lit else _shade(body, -0.3)
                draw.rectangle((wx, wy, wx + 12 * s, wy + 16 * s), fill=window)
        x += w


def _interior(
    draw: ImageDraw.ImageDraw, size: tuple[int, int], s: float, rng: random.Random, time: str
) -> None:
    width, height = size
    light = _GROUND_LIGHT[time] * 0.6
    floor = height * 0.7
    draw.rectangle((0, 0, width, floor), fill=_shade(_hsv(rng.random(), 0.25, 0.85), light))
    draw.rectangle((0, floor, width, height), fill=_shade((150, 105, 70), light))
    for i in range(-6, 13):  # floorboards in perspective
        draw.line(
            [(width / 2 + i * 40 * s, floor), (width / 2 + i * 150 * s, height)],
            fill=_shade((120, 80, 50), light),
            width=max(1, round(2 * s)),
        )
    window = _Pen(draw, width * (0.15 + rng.random() * 0.2), height * 0.15, s)
    sky_top, sky_bottom = _SKIES[time]
    window.rect(0, 0, 220, 224, sky_bottom, outline=_INK, width=8)
    window.rect(4, 4, 216, 96, sky_top)
    window.line([(110, 0), (110, 224)], _INK, 6)
    picture = _Pen(draw, width * 0.65, height * 0.18, s)
    picture.rect(0, 0, 150, 128, _hsv(rng.random(), 0.5, 0.7), outline=(180, 140, 60), width=10)
    table, wood = _Pen(draw, width * 0.62, floor, s), _shade((110, 70, 45), light)
    table.rect(-180, -10, 180, 8, wood)
    for leg in (-165, 150):
        table.rect(leg, 0, leg + 12, 120, _shade(wood, -0.3))
    shade = (255, 220, 120) if time in ("night", "dusk") else (230, 230, 220)
    table.poly([(-50, -120), (-10, -120), (5, -70), (-65, -70)], shade)
    table.rect(-34, -70, -26, -10, _INK)


# Props ----------------------------------------------------------------------------------------

_PROP_WORDS = {
    "sword": "sword blade knife dagger sabre saber",
    "lantern": "lantern lamp torch light candle",
    "book": "book journal diary notebook letter map",
    "car": "car truck van taxi bus jeep",
    "key": "key lock",
    "cup": "cup mug goblet glass chalice teapot",
}


def _sword(pen: _Pen, c: Color) -> None:
    pen.poly([(0, -250), (22, -210), (22, 90), (-22, 90), (-22, -210)], (205, 210, 220))
    pen.line([(0, -230), (0, 90)], (150, 155, 170), 4)
    pen.rect(-90, 90, 90, 115, c, radius=10)
    pen.rect(-14, 115, 14, 210, (90, 55, 35))
    pen.oval(0, 225, 24, 24, fill=_shade(c, 0.3))


def _lantern(pen: _Pen, c: Color) -> None:
    pen.arc(0, -190, 50, 50, (180, 360), _INK, 10)
    pen.rect(-110, -190, 110, -150, c)
    pen.rect(-90, -150, 90, 130, (255, 210, 110), outline=c, width=14)
    pen.oval(0, 0, 34, 60, fill=(255, 150, 40))
    pen.oval(0, 15, 16, 32, fill=(255, 250, 200))
    pen.rect(-120, 130, 120, 170, c)


def _book(pen: _Pen, c: Color) -> None:
    pen.rect(-170, -200, 150, 200, c, radius=14)
    pen.rect(150, -190, 175, 190, (245, 240, 225))
    pen.rect(-170, -200, -130, 200, _shade(c, -0.35))
    pen.rect(-90, -120, 110, -40, outline=(240, 200, 80), width=8)
    pen.ngon(10, 80, 50, 6, (240, 200, 80))


def _car(pen: _Pen, c: Color) -> None:
    glass = (190, 225, 245)
    pen.rect(-260, -30, 260, 90, c, radius=40)
    pen.poly([(-150, -30), (-90, -130), (100, -130), (170, -30)], _shade(c, -0.15))
    pen.poly([(-120, -36), (-80, -112), (5, -112), (5, -36)], glass)
    pen.poly([(20, -36), (20, -112), (92, -112), (140, -36)], glass)
    for x in (-150, 150):
        pen.oval(x, 90, 55, 55, fill=_INK)
        pen.oval(x, 90, 25, 25, fill=(190, 190, 200))
    pen.oval(240, 10, 16, 14, fill=(255, 240, 150))


def _key(pen: _Pen, c: Color) -> None:
    gold = _shade(c, 0.2)
    pen.oval(-120, 0, 90, 90, fill=gold)
    pen.oval(-120, 0, 40, 40, fill=(0, 0, 0, 0))  # the hole shows the backdrop
    pen.rect(-40, -18, 230, 18, gold)
    for x in (150, 200):
        pen.rect(x, 18, x + 26, 75, gold)


def _cup(pen: _Pen, c: Color) -> None:
    pen.oval(140, 0, 70, 80, outline=c, width=26)
    pen.poly([(-150, -150), (150, -150), (110, 160), (-110, 160)], c)
    pen.oval(0, -150, 150, 30, fill=_shade(c, -0.4))
    pen.oval(0, -146, 130, 20, fill=(110, 70, 40))
    for inset, y in ((0, -40), (10, 40)):
        pen.line([(-130 + inset, y), (125 - inset, y)], _shade(c, 0.4), 10)


_PROPS: dict[str, Callable[[_Pen, Color], None]] = {
    "sword": _sword,
    "lantern": _lantern,
    "book": _book,
    "car": _car,
    "key": _key,
    "cup": _cup,
}


# Shared helpers -------------------------------------------------------------------------------


def _kind(name: str, words: dict[str, str]) -> str | None:
    """The first kind with one of its (space-separated) words, or their plural, in `name`."""
    in_name = set(re.findall(r"[a-z]+", name.lower()))
    for kind, keys in words.items():
        if any(key in in_name or key + "s" in in_name for key in keys.split()):
            return kind
    return None


def _hsv(h: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def _shade(colour: Color, amount: float) -> Color:
    """Lighten (amount > 0, towards white) or darken (amount < 0, towards black)."""
    target = 255 if amount > 0 else 0
    r, g, b = (round(c + (target - c) * abs(amount)) for c in colour)
    return r, g, b


def _gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _light(img: Image.Image, variant: int) -> Image.Image:
    tint, amount = _LIGHTING[variant % len(_LIGHTING)]
    return Image.blend(img, Image.new("RGB", img.size, tint), amount) if amount else img


def _ui_scale(img: Image.Image) -> float:
    return min(img.size) / 640


@lru_cache(maxsize=16)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(px, 8))


def _printable(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    # The bitmap fallback font (Pillow without FreeType) can only encode Latin-1.
    if isinstance(font, ImageFont.FreeTypeFont):
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def _tag(img: Image.Image, text: str, at: Point, fill: Color) -> float:
    """Draw `text` on a rounded tag with its text starting at `at`; returns the tag's bottom."""
    s = _ui_scale(img)
    font = _font(round(26 * s))
    text = _printable(text, font)
    draw = ImageDraw.Draw(img)
    left, top, right, bottom = draw.textbbox(at, text, font=font)
    pad = 10 * s
    draw.rounded_rectangle((left - pad, top - pad, right + pad, bottom + pad), 10 * s, fill=fill)
    draw.text(at, text, font=font, fill=_PAPER)
    return bottom + pad


def _variant_badge(img: Image.Image, variant: int) -> None:
    if variant:
        s, text = _ui_scale(img), f"v{variant}"
        width = ImageDraw.Draw(img).textlength(text, font=_font(round(26 * s)))
        _tag(img, text, (img.width - width - 24 * s, 20 * s), _INK)


def _label(img: Image.Image, text: str) -> None:
    """The name, centred on a paper tag along the bottom edge."""
    s = _ui_scale(img)
    font = _font(round(34 * s))
    text = _printable(text, font)
    draw = ImageDraw.Draw(img)
    x, y = (img.width - draw.textlength(text, font=font)) / 2, img.height - 64 * s
    left, top, right, bottom = draw.textbbox((x, y), text, font=font)
    pad = 14 * s
    draw.rounded_rectangle(
        (left - pad, top - pad, right + pad, bottom + pad),
        12 * s,
        fill=_PAPER,
        outline=_INK,
        width=max(1, round(3 * s)),
    )
    draw.text((x, y), text, font=font, fill=_INK)
