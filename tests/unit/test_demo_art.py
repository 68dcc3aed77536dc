"""Demo drawings: deterministic, recognisably different, and not flat colour."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image, ImageChops, ImageStat

from stage8.demo.art import draw_character, draw_location, draw_prop, draw_scene_variant

Drawing = Callable[..., Image.Image]
DRAWINGS: list[tuple[Drawing, tuple[int, int]]] = [
    (draw_character, (768, 768)),
    (draw_location, (1024, 640)),
    (draw_prop, (640, 640)),
]


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, 0-255."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def distinct_colours(im: Image.Image) -> int:
    colours = im.getcolors(maxcolors=1 << 20)
    assert colours is not None
    return len(colours)


@pytest.mark.parametrize(("draw", "size"), DRAWINGS)
def test_drawings_are_deterministic(draw: Drawing, size: tuple[int, int]) -> None:
    first, second = draw("Mara Quinn", 7, 2), draw("Mara Quinn", 7, 2)

    assert first.mode == "RGB" and first.size == size
    assert first.tobytes() == second.tobytes()


@pytest.mark.parametrize(("draw", "size"), DRAWINGS)
def test_different_names_look_different(draw: Drawing, size: tuple[int, int]) -> None:
    assert mean_difference(draw("Mara Quinn", 1), draw("Otto Brandt", 1)) > 8


@pytest.mark.parametrize(("draw", "size"), DRAWINGS)
def test_variants_differ_visibly(draw: Drawing, size: tuple[int, int]) -> None:
    base = draw("Harbour Lantern", 3, 0)

    for variant in (1, 2, 3):
        assert mean_difference(base, draw("Harbour Lantern", 3, variant)) > 4


@pytest.mark.parametrize(("draw", "size"), DRAWINGS)
def test_drawings_are_not_flat(draw: Drawing, size: tuple[int, int]) -> None:
    im = draw("Jun", 5)

    assert distinct_colours(im) > 200
    assert max(ImageStat.Stat(im).stddev) > 20


@pytest.mark.parametrize(("draw", "size"), DRAWINGS)
def test_size_is_honoured(draw: Drawing, size: tuple[int, int]) -> None:
    assert draw("Ada", 2, 1, size=(320, 200)).size == (320, 200)


def test_character_seed_changes_the_palette() -> None:
    assert mean_difference(draw_character("Ada", 1), draw_character("Ada", 2)) > 8


def test_location_kind_follows_the_name() -> None:
    interior = draw_location("Kitchen", 1)
    street = draw_location("Night Street", 1)

    # A night street is dark overall; a kitchen interior is lit walls.
    assert (
        ImageStat.Stat(street.convert("L")).mean[0] < ImageStat.Stat(interior.convert("L")).mean[0]
    )


def test_unusual_names_draw() -> None:
    for name in ("", "東京 Tower", "A" * 200):
        assert draw_prop(name, 1).size == (640, 640)


def test_scene_variants_are_distinguishable_and_deterministic() -> None:
    base = draw_character("Mara Quinn", 1)

    first = draw_scene_variant(base, 3, 1, "generated")
    again = draw_scene_variant(base, 3, 1, "generated")
    second = draw_scene_variant(base, 3, 2, "generated")
    other_scene = draw_scene_variant(base, 4, 1, "generated")

    assert first.size == base.size and first.mode == "RGB"
    assert first.tobytes() == again.tobytes()
    assert mean_difference(first, second) > 4
    assert mean_difference(first, other_scene) > 4
    assert mean_difference(first, base) > 4
    assert base.tobytes() == draw_character("Mara Quinn", 1).tobytes()  # base left untouched


def test_scene_variant_accepts_any_mode() -> None:
    rgba = draw_prop("Key", 1).convert("RGBA")

    assert draw_scene_variant(rgba, 1, 1, "").mode == "RGB"
