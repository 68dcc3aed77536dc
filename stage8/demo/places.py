"""Demo locations: landscapes and interiors whose kind and time of day follow the name."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

from stage8.demo.pen import (
    INK,
    Color,
    Pen,
    apply_lighting,
    gradient,
    hsv,
    kind_of,
    name_tag,
    tone,
    variant_badge,
)


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
    kind = kind_of(name, _LOCATION_WORDS) or rng.choice(["city", "forest", "coast", "mountains"])
    times = ("day", "dusk", "night", "dawn")
    named = kind_of(name, _TIME_WORDS)
    time = times[((times.index(named) if named else rng.randrange(4)) + variant) % 4]
    img = gradient(size, *_SKIES[time])
    draw = ImageDraw.Draw(img)
    s = min(width / 1024, height / 640)
    horizon = height * (0.58 + rng.random() * 0.1)
    if kind == "interior":
        _interior(draw, size, s, rng, time)
    else:
        _sky(draw, size, horizon, s, rng, time)
        _landscape(draw, size, horizon, s, rng, time, kind)
    img = apply_lighting(img, variant)
    name_tag(img, name)
    variant_badge(img, variant)
    return img


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
            Pen(draw, rng.random() * width, rng.random() * horizon * 0.9, s).oval(
                0, 0, 1.5, 1.5, fill=(255, 255, 230)
            )
        moon = Pen(draw, x, horizon * 0.3, s)
        moon.oval(0, 0, 34, 34, fill=(240, 240, 210))
        moon.oval(14, -8, 30, 30, fill=(20, 26, 60))
        return
    sun = Pen(draw, x, horizon * (0.25 if time == "day" else 0.8), s)
    colour = (255, 240, 150) if time == "day" else (255, 170, 90)
    sun.oval(0, 0, 60, 60, fill=tone(colour, 0.3))
    sun.oval(0, 0, 46, 46, fill=colour)
    for _ in range(3):
        cloud = Pen(draw, rng.random() * width, horizon * (0.15 + rng.random() * 0.35), s)
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
    draw.polygon([(0, horizon), *far, (width, horizon)], fill=tone((120, 130, 160), light))
    ground = {"coast": (40, 110, 170), "city": (70, 70, 75)}.get(kind, (80, 150, 70))
    draw.rectangle((0, horizon, width, height), fill=tone(ground, light))
    if kind == "coast":
        for i in range(1, 9):
            y = horizon + i * (height - horizon) / 10
            draw.line([(0, y), (width, y)], fill=tone((120, 190, 230), light), width=round(3 * s))
        sand = tone((230, 210, 150), light)
        draw.polygon([(0, height), (0, height * 0.85), (width * 0.6, height)], fill=sand)
    elif kind == "city":
        _buildings(draw, width, horizon + 30 * s, s, rng, time, light)
        for i in range(6):
            x = i * width / 6
            draw.rectangle((x + 20 * s, height * 0.93, x + 90 * s, height * 0.95), (230, 230, 200))
    else:
        for _ in range(14 if kind == "forest" else 5):
            x, base = rng.random() * width, horizon + rng.random() * (height - horizon) * 0.7
            tree = Pen(draw, x, base, s)
            h = (40 + rng.random() * 50) * (1.6 if kind == "forest" else 1)
            green = tone(hsv(0.25 + rng.random() * 0.12, 0.6, 0.55), light)
            tree.rect(-6, -h * 0.4, 6, 0, tone((110, 70, 40), light))
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
        body = tone(hsv(rng.random(), 0.15, 0.6), light)
        draw.rectangle((x, street - h, x + w - 4 * s, street), fill=body)
        for wy in range(round(street + 10 * s - h), round(street - 20 * s), round(28 * s)):
            for wx in range(round(x + 10 * s), round(x + w - 20 * s), round(24 * s)):
                lit = time in ("night", "dusk") and rng.random() < 0.6
                window = (255, 220, 120) if lit else tone(body, -0.3)
                draw.rectangle((wx, wy, wx + 12 * s, wy + 16 * s), fill=window)
        x += w


def _interior(
    draw: ImageDraw.ImageDraw, size: tuple[int, int], s: float, rng: random.Random, time: str
) -> None:
    width, height = size
    light = _GROUND_LIGHT[time] * 0.6
    floor = height * 0.7
    draw.rectangle((0, 0, width, floor), fill=tone(hsv(rng.random(), 0.25, 0.85), light))
    draw.rectangle((0, floor, width, height), fill=tone((150, 105, 70), light))
    for i in range(-6, 13):  # floorboards in perspective
        draw.line(
            [(width / 2 + i * 40 * s, floor), (width / 2 + i * 150 * s, height)],
            fill=tone((120, 80, 50), light),
            width=max(1, round(2 * s)),
        )
    window = Pen(draw, width * (0.15 + rng.random() * 0.2), height * 0.15, s)
    sky_top, sky_bottom = _SKIES[time]
    window.rect(0, 0, 220, 224, sky_bottom, outline=INK, width=8)
    window.rect(4, 4, 216, 96, sky_top)
    window.line([(110, 0), (110, 224)], INK, 6)
    picture = Pen(draw, width * 0.65, height * 0.18, s)
    picture.rect(0, 0, 150, 128, hsv(rng.random(), 0.5, 0.7), outline=(180, 140, 60), width=10)
    table, wood = Pen(draw, width * 0.62, floor, s), tone((110, 70, 45), light)
    table.rect(-180, -10, 180, 8, wood)
    for leg in (-165, 150):
        table.rect(leg, 0, leg + 12, 120, tone(wood, -0.3))
    shade = (255, 220, 120) if time in ("night", "dusk") else (230, 230, 220)
    table.poly([(-50, -120), (-10, -120), (5, -70), (-65, -70)], shade)
    table.rect(-34, -70, -26, -10, INK)
