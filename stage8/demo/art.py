"""Pillow drawings for the demo project: characters, props and scene attempts (locations are in
stage8.demo.places, the drawing kit they share in stage8.demo.pen).

Every drawing is a pure function of its arguments: randomness comes from `random.Random` seeded
with a string (hashed with SHA-512, so PYTHONHASHSEED does not matter), never from global state.
Only Pillow's built-in font is used, so nothing is downloaded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageEnhance

from stage8.demo.pen import (
    INK,
    Color,
    Pen,
    apply_lighting,
    draw_tag,
    gradient,
    hsv,
    kind_of,
    name_tag,
    tone,
    ui_scale,
    variant_badge,
)
from stage8.demo.places import draw_location

__all__ = ["draw_character", "draw_location", "draw_prop", "draw_scene_variant"]


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
        outfit=hsv(rng.random(), 0.55 + rng.random() * 0.3, 0.55 + rng.random() * 0.3),
        trousers=hsv(rng.random(), 0.35, 0.25 + rng.random() * 0.2),
        skin=rng.choice([(255, 224, 196), (241, 194, 150), (198, 134, 86), (141, 85, 54)]),
        hair=rng.choice(
            [(40, 30, 25), (110, 60, 30), (220, 180, 90), (170, 40, 30), (90, 90, 100)]
        ),
        iris=hsv(rng.random(), 0.6, 0.5),
        extra=hsv(rng.random(), 0.8, 0.85),
        hair_style=rng.randrange(5),
        accessory=rng.randrange(5),
        build=0.85 + rng.random() * 0.35,
    )
    backdrop = hsv(rng.random(), 0.3, 0.8)
    img = gradient(size, hsv(rng.random(), 0.25, 0.98), backdrop)
    # Design units: a 768 x 768 canvas with the origin at its centre.
    pen = Pen(ImageDraw.Draw(img), size[0] / 2, size[1] / 2, min(size) / 768)
    pen.oval(0, 277, 170 * look.build, 24, fill=tone(backdrop, -0.35))
    _figure(pen, look, variant)
    img = apply_lighting(img, variant)
    name_tag(img, name)
    variant_badge(img, variant)
    return img


def draw_prop(
    name: str, seed: int, variant: int = 0, size: tuple[int, int] = (640, 640)
) -> Image.Image:
    """An object (RGB, `size`) drawn from shapes on a spot-lit backdrop, labelled with `name`.

    The object follows words in the name (sword, lantern, book, car, key, cup; otherwise chosen
    by `seed`); `variant` turns it and changes the lighting, with a "v<variant>" badge.
    """
    rng = random.Random(f"prop:{name}:{seed}")
    kind = kind_of(name, _PROP_WORDS) or rng.choice(sorted(_PROPS))
    colour = hsv(rng.random(), 0.6, 0.8)
    backdrop = hsv(rng.random(), 0.2, 0.35)
    img = gradient(size, tone(backdrop, 0.3), tone(backdrop, -0.4))
    centre, s = (size[0] / 2, size[1] / 2), min(size) / 640
    Pen(ImageDraw.Draw(img), *centre, s).oval(0, 35, 270, 230, fill=tone(backdrop, 0.45))
    # Drawn on a transparent layer so that a variant can turn the object, not the backdrop.
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    _PROPS[kind](Pen(ImageDraw.Draw(layer), *centre, s), colour)
    layer = layer.rotate((0, -10, 8, -5, 12)[variant % 5], Image.Resampling.BICUBIC)
    img.paste(layer, (0, 0), layer)
    img = apply_lighting(img, variant)
    name_tag(img, name)
    variant_badge(img, variant)
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
    img = Image.blend(base.convert("RGB"), Image.new("RGB", base.size, hsv(hue, 0.7, 0.9)), 0.2)
    img = ImageEnhance.Contrast(img).enhance(0.85 + rng.random() * 0.35)
    img = ImageEnhance.Color(img).enhance(0.6 + rng.random() * 0.7)
    s = ui_scale(img)
    frame = hsv(hue, 0.8, 0.75)
    ImageDraw.Draw(img).rectangle(
        (0, 0, img.width - 1, img.height - 1), outline=frame, width=max(2, round(8 * s))
    )
    bottom = draw_tag(
        img, f"Scene {scene_number} · Attempt {attempt_number}", (18 * s, 18 * s), frame
    )
    if label:
        draw_tag(img, label, (18 * s, bottom + 24 * s), INK)
    return img


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


def _figure(pen: Pen, look: _Look, variant: int) -> None:
    half, shoulder, hip, feet, head = 95 * look.build, -62, 123, 277, -161
    if look.accessory == 4:  # a cape, behind everything
        pen.poly(
            [(-half, shoulder), (half, shoulder), (half * 1.5, 257), (-half * 1.5, 257)],
            fill=tone(look.outfit, -0.45),
        )
    if look.hair_style == 1:  # long hair falls behind the shoulders
        pen.rect(-118, head - 125, 118, head + 125, look.hair, radius=50)
    for side in (-1, 1):
        x = side * half * 0.45
        pen.rect(x - 30, hip - 20, x + 30, feet - 18, look.trousers, radius=14)
        pen.oval(x + side * 12, feet - 14, 42, 18, fill=INK)
    # Each hand's (outward, down) offset from its shoulder per pose: arms down, waving, on hips.
    pose = ((40, 190), (40, 190)), ((40, 190), (110, -120)), ((-40, 150), (-40, 150))
    for side, (out, down) in zip((-1, 1), pose[variant % 3], strict=True):
        start = (side * (half - 12), shoulder + 12)
        hand = (start[0] + side * out, start[1] + down)
        pen.line([start, hand], look.outfit, 36)
        pen.oval(*hand, 20, 20, fill=look.skin)
    pen.rect(-half, shoulder - 10, half, hip + 10, look.outfit, radius=40)
    pen.rect(-half, hip - 12, half, hip + 4, tone(look.outfit, -0.5))
    pen.poly(
        [(-30, shoulder - 10), (30, shoulder - 10), (0, shoulder + 40)], tone(look.outfit, 0.35)
    )
    pen.rect(-22, head + 60, 22, shoulder, tone(look.skin, -0.1))
    for side in (-1, 1):
        pen.oval(side * 92, head + 8, 16, 24, fill=look.skin)
    pen.oval(0, head, 92, 105, fill=look.skin)
    _hair(pen, head, look)
    _face(pen, head, look, variant)
    _accessory(pen, head, shoulder, look)


def _hair(pen: Pen, head: float, look: _Look) -> None:
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
        pen.dome(0, head - 30, 100, 80, tone(hair, 0.2))
        pen.rect(-100, head - 34, 130, head - 22, hair)


def _face(pen: Pen, head: float, look: _Look, variant: int) -> None:
    gaze = (variant % 3 - 1) * 6
    for side in (-1, 1):
        x, y = side * 36, head + 4
        pen.oval(x, y, 20, 14, fill="white", outline=INK, width=2)
        pen.oval(x + gaze, y, 9, 9, fill=look.iris)
        pen.oval(x + gaze, y, 4, 4, fill=INK)
        pen.line([(x - 18, y - 26), (x + 18, y - 30 + side * (variant % 2) * 6)], INK, 5)
        pen.oval(side * 58, head + 40, 14, 8, fill=(240, 140, 140))
    pen.arc(0, head + 26, 8, 10, (200, 340), INK, 3)
    pen.arc(0, head + 46, 26 + variant % 4 * 4, 16, (10, 170), (150, 40, 50), 5)


def _accessory(pen: Pen, head: float, neck: float, look: _Look) -> None:
    if look.accessory == 0:  # glasses
        for side in (-1, 1):
            pen.oval(side * 36, head + 4, 28, 24, outline=INK, width=5)
        pen.line([(-8, head), (8, head)], INK, 5)
    elif look.accessory == 1:  # scarf
        pen.rect(-70, neck - 26, 70, neck + 10, look.extra, radius=16)
        pen.rect(20, neck, 50, neck + 110, tone(look.extra, -0.2))
    elif look.accessory == 2:  # earrings
        for side in (-1, 1):
            pen.oval(side * 94, head + 40, 9, 9, fill=(240, 200, 60))
    elif look.accessory == 3:  # star badge on the chest
        pen.ngon(50, neck + 60, 22, 5, (250, 210, 60), INK)


# Props ----------------------------------------------------------------------------------------

_PROP_WORDS = {
    "sword": "sword blade knife dagger sabre saber",
    "lantern": "lantern lamp torch light candle",
    "book": "book journal diary notebook letter map",
    "car": "car truck van taxi bus jeep",
    "key": "key lock",
    "cup": "cup mug goblet glass chalice teapot",
}


def _sword(pen: Pen, c: Color) -> None:
    pen.poly([(0, -250), (22, -210), (22, 90), (-22, 90), (-22, -210)], (205, 210, 220))
    pen.line([(0, -230), (0, 90)], (150, 155, 170), 4)
    pen.rect(-90, 90, 90, 115, c, radius=10)
    pen.rect(-14, 115, 14, 210, (90, 55, 35))
    pen.oval(0, 225, 24, 24, fill=tone(c, 0.3))


def _lantern(pen: Pen, c: Color) -> None:
    pen.arc(0, -190, 50, 50, (180, 360), INK, 10)
    pen.rect(-110, -190, 110, -150, c)
    pen.rect(-90, -150, 90, 130, (255, 210, 110), outline=c, width=14)
    pen.oval(0, 0, 34, 60, fill=(255, 150, 40))
    pen.oval(0, 15, 16, 32, fill=(255, 250, 200))
    pen.rect(-120, 130, 120, 170, c)


def _book(pen: Pen, c: Color) -> None:
    pen.rect(-170, -200, 150, 200, c, radius=14)
    pen.rect(150, -190, 175, 190, (245, 240, 225))
    pen.rect(-170, -200, -130, 200, tone(c, -0.35))
    pen.rect(-90, -120, 110, -40, outline=(240, 200, 80), width=8)
    pen.ngon(10, 80, 50, 6, (240, 200, 80))


def _car(pen: Pen, c: Color) -> None:
    glass = (190, 225, 245)
    pen.rect(-260, -30, 260, 90, c, radius=40)
    pen.poly([(-150, -30), (-90, -130), (100, -130), (170, -30)], tone(c, -0.15))
    pen.poly([(-120, -36), (-80, -112), (5, -112), (5, -36)], glass)
    pen.poly([(20, -36), (20, -112), (92, -112), (140, -36)], glass)
    for x in (-150, 150):
        pen.oval(x, 90, 55, 55, fill=INK)
        pen.oval(x, 90, 25, 25, fill=(190, 190, 200))
    pen.oval(240, 10, 16, 14, fill=(255, 240, 150))


def _key(pen: Pen, c: Color) -> None:
    gold = tone(c, 0.2)
    pen.oval(-120, 0, 90, 90, fill=gold)
    pen.oval(-120, 0, 40, 40, fill=(0, 0, 0, 0))  # the hole shows the backdrop
    pen.rect(-40, -18, 230, 18, gold)
    for x in (150, 200):
        pen.rect(x, 18, x + 26, 75, gold)


def _cup(pen: Pen, c: Color) -> None:
    pen.oval(140, 0, 70, 80, outline=c, width=26)
    pen.poly([(-150, -150), (150, -150), (110, 160), (-110, 160)], c)
    pen.oval(0, -150, 150, 30, fill=tone(c, -0.4))
    pen.oval(0, -146, 130, 20, fill=(110, 70, 40))
    for inset, y in ((0, -40), (10, 40)):
        pen.line([(-130 + inset, y), (125 - inset, y)], tone(c, 0.4), 10)


_PROPS: dict[str, Callable[[Pen, Color], None]] = {
    "sword": _sword,
    "lantern": _lantern,
    "book": _book,
    "car": _car,
    "key": _key,
    "cup": _cup,
}
