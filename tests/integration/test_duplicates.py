"""Near-duplicates: flagged "same as #n" on arrival, said in the upload message, listed per
project with their cost and size (both databases)."""

import io

import pytest
from PIL import Image, ImageDraw

from stage8.decisions.duplicates import project_duplicates
from stage8.decisions.uploads import upload_images
from stage8.reads.board import load_panel
from tests.builders import project_with_scenes


def picture(body) -> Image.Image:
    im = Image.new("RGB", (240, 180), (120, 170, 230))
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 120, 240, 180], fill=(60, 120, 60))
    draw.ellipse([90, 30, 150, 90], fill=(230, 190, 150))
    draw.rectangle([95, 85, 145, 170], fill=body)
    return im


def encoded(im: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **options)
    return out.getvalue()


@pytest.fixture
def instance(desk):
    world = project_with_scenes(desk, scenes=1)
    return world["project"], world["instances"][(1, "Hero")]


def test_a_re_encoded_copy_is_flagged_and_the_message_says_so(desk, instance):
    project_id, iid = instance
    hero = picture((200, 40, 40))
    first = upload_images(desk, iid, [("hero.png", encoded(hero, "PNG"))], actor="t")
    original = first.results[0].attempt
    again = upload_images(
        desk,
        iid,
        [("hero-copy.jpg", encoded(hero.resize((200, 150)), "JPEG", quality=70))],
        actor="t",
    )
    result = again.results[0]
    assert result.outcome == "stored"  # not the same bytes: a new attempt
    assert f"looks the same as attempt #{original.attempt_number}" in result.message
    flagged = next(a for a in load_panel(desk, iid).attempts if a.id == result.attempt.id)
    assert flagged.extra["near_duplicate_of"] == original.attempt_number
    (dup,) = project_duplicates(desk, project_id)
    assert (dup.attempt_id, dup.same_as, dup.scene_number) == (
        result.attempt.id,
        original.attempt_number,
        1,
    )
    assert dup.byte_size > 0


def test_a_different_take_is_not_flagged(desk, instance):
    project_id, iid = instance
    upload_images(desk, iid, [("a.png", encoded(picture((200, 40, 40)), "PNG"))], actor="t")
    other = Image.new("RGB", (240, 180), (20, 20, 20))
    ImageDraw.Draw(other).rectangle([10, 10, 80, 170], fill=(250, 230, 0))
    report = upload_images(desk, iid, [("b.png", encoded(other, "PNG"))], actor="t")
    assert "looks the same" not in report.results[0].message
    assert project_duplicates(desk, project_id) == []
