"""Continuity against the reference: stored once per pair, recomputed when the reference
changes, backfilled idempotently, read by the scene board and the CLI (both databases)."""

import io
import json

import pytest
from PIL import Image, ImageDraw, ImageEnhance

from stage8.db.models import ContinuityScore
from stage8.decisions import continuity
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.uploads import upload_images
from stage8.reads.board import load_panel
from tests.builders import project_with_scenes


def drawing(sky, body, size=(240, 180)) -> Image.Image:
    im = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 120, 240, 180], fill=(60, 120, 60))
    draw.ellipse([90, 30, 150, 90], fill=(230, 190, 150))
    draw.rectangle([95, 85, 145, 170], fill=body)
    return im


def encoded(im: Image.Image, fmt="PNG") -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt)
    return out.getvalue()


HERO = drawing((120, 170, 230), (200, 40, 40))
STRANGER = Image.new("RGB", (240, 180), (20, 20, 20))
ImageDraw.Draw(STRANGER).rectangle([10, 10, 80, 170], fill=(250, 230, 0))


@pytest.fixture
def world(desk):
    w = project_with_scenes(desk, scenes=2)
    first, second = w["instances"][(1, "Hero")], w["instances"][(2, "Hero")]
    upload_images(desk, first, [("hero.png", encoded(HERO))], actor="t")
    return {**w, "first": first, "second": second}


def _count(desk) -> int:
    with desk.read() as s:
        return s.query(ContinuityScore).count()


def test_an_upload_is_scored_against_the_reference_on_arrival(desk, world):
    # Scene 2's default reference is scene 1's selected image: HERO.
    near = ImageEnhance.Brightness(HERO.crop((8, 6, 236, 176))).enhance(1.1)
    report = upload_images(
        desk,
        world["second"],
        [("near.jpg", encoded(near, "JPEG")), ("stranger.png", encoded(STRANGER))],
        actor="t",
    )
    near_id, stranger_id = (r.attempt.id for r in report.results)
    panel = load_panel(desk, world["second"])
    assert set(panel.continuity) == {near_id, stranger_id}
    below = desk.settings.drift_below
    assert panel.continuity[near_id] >= below > panel.continuity[stranger_id]
    with desk.read() as s:
        assert continuity.attempt_scores(s, [world["second"]]) == panel.continuity


def test_a_new_reference_needs_new_scores_and_catch_up_makes_them(desk, world):
    report = upload_images(
        desk,
        world["second"],
        [("hero.jpg", encoded(HERO, "JPEG")), ("stranger.png", encoded(STRANGER))],
        actor="t",
        select=0,
    )
    kept, other = (r.attempt.id for r in report.results)
    assert set(load_panel(desk, world["second"]).continuity) == {kept, other}
    use_reference(desk, world["second"], "master", actor="t")  # the master: another image
    # The selected image was scored against the master already (Analytics' chain); the other
    # attempt is not scored against its new reference yet.
    assert set(load_panel(desk, world["second"]).continuity) == {kept}
    last, report = continuity.catch_up(desk, 0)
    assert report.scored >= 1 and last > 0
    assert set(load_panel(desk, world["second"]).continuity) == {kept, other}
    # Nothing new since: the next call looks at no event and scores nothing.
    assert continuity.catch_up(desk, last) == (last, continuity.ContinuityReport())


def test_a_selection_in_an_earlier_scene_rescores_later_scenes_default(desk, world):
    upload_images(desk, world["second"], [("hero.png", encoded(HERO, "JPEG"))], actor="t")
    last, _ = continuity.catch_up(desk, 0)
    # Scene 1 selects another image: scene 2's default reference moves with it, although
    # nothing was decided on scene 2.
    upload_images(desk, world["first"], [("stranger.png", encoded(STRANGER))], actor="t")
    assert load_panel(desk, world["second"]).continuity == {}
    _, report = continuity.catch_up(desk, last)
    assert report.scored >= 1
    (score,) = load_panel(desk, world["second"]).continuity.values()
    assert score < desk.settings.drift_below  # HERO judged against the stranger now


def test_backfill_scores_every_missing_pair_once(desk, world):
    upload_images(desk, world["second"], [("a.png", encoded(STRANGER))], actor="t")
    with desk.tx() as s:
        s.query(ContinuityScore).delete()
    first = continuity.backfill(desk)
    # scene 1 vs its reference (the master); scene 2 vs its reference (scene 1) and vs the master
    assert first.scored == 3 and first.unavailable == 0
    assert _count(desk) == 3
    assert continuity.backfill(desk).scored == 0
    assert _count(desk) == 3


def test_cli_attempts_json_and_backfill(desk, world, run):
    upload_images(desk, world["second"], [("a.png", encoded(STRANGER))], actor="t")
    with desk.tx() as s:
        s.query(ContinuityScore).delete()
    out = run("attempts", "--scene", "2", "--asset", "Hero", "--json")
    assert out.returncode == 0, out.stderr
    assert [r["continuity"] for r in json.loads(out.stdout)] == [None]
    filled = run("continuity", "--backfill", "--json")
    assert filled.returncode == 0, filled.stderr
    assert json.loads(filled.stdout) == {"scored": 3, "unavailable": 0}
    rows = json.loads(run("attempts", "--scene", "2", "--asset", "Hero", "--json").stdout)
    assert rows[0]["continuity"] is not None and rows[0]["drift"] is True
    text = run("attempts", "--scene", "2", "--asset", "Hero").stdout
    assert "DRIFT" in text and "continuity" in text
