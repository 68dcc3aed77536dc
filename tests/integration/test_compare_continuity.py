"""The compare view's scores (both databases): each attempt's stored continuity against the
effective reference, the drift flag, and the similarity of any two of its images."""

import io

import pytest
from PIL import Image, ImageDraw

from stage8.db.models import Image as ImageRow
from stage8.decisions import continuity
from stage8.decisions.uploads import upload_images
from stage8.images.objects import RENDITION_WIDTHS
from stage8.images.similarity import similarity
from stage8.reads.board import load_panel
from stage8.reads.compare import comparison, pair_similarity
from stage8.storage.keys import rendition_key
from tests.builders import add_generated, png, project_with_scenes


def _stranger() -> bytes:
    im = Image.new("RGB", (320, 240), (10, 10, 10))
    ImageDraw.Draw(im).rectangle([20, 20, 90, 220], fill=(255, 240, 0))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def scene(desk):
    world = project_with_scenes(desk, scenes=2)
    pid = world["project"]
    add_generated(desk, world["instances"][(1, "Hero")], pid, 5)
    iid = world["instances"][(2, "Hero")]
    # The reference's own picture at another size (uploads are scored at ingest), then a
    # deliberately different one, not selected.
    near = upload_images(desk, iid, [("near.png", png(5, (120, 100)))], actor="t")
    report = upload_images(desk, iid, [("x.png", _stranger())], actor="t", select="none")
    unscored = add_generated(desk, iid, pid, 12, select=False).attempt  # no scoring on this path
    return {
        "iid": iid,
        "near": near.results[0].attempt,
        "stranger": report.results[0].attempt,
        "unscored": unscored,
    }


def test_each_attempt_carries_its_stored_score_and_the_reference_none(desk, scene):
    continuity.update_instances(desk, [scene["iid"]])
    panel = load_panel(desk, scene["iid"])
    view = comparison(panel, scene["stranger"].id)
    shown, selected, reference = view.images
    assert (shown.image_id, selected.image_id) == (
        scene["stranger"].image_id,
        scene["near"].image_id,
    )
    assert reference.image_id == panel.reference.effective_image_id
    assert shown.continuity == panel.continuity[scene["stranger"].id]
    assert selected.continuity == panel.continuity[scene["near"].id]
    assert reference.continuity is None
    drift_below = desk.settings.drift_below
    assert shown.drifts(drift_below) and not selected.drifts(drift_below)
    assert not reference.drifts(drift_below)


def test_an_attempt_not_scored_yet_has_no_score_and_no_drift(desk, scene):
    panel = load_panel(desk, scene["iid"])
    shown = comparison(panel, scene["unscored"].id).image("shown")
    assert scene["unscored"].id not in panel.continuity
    assert shown.continuity is None and not shown.drifts(100)


def test_pair_similarity_is_the_score_of_the_two_stored_images(desk, scene):
    continuity.update_instances(desk, [scene["iid"]])
    panel = load_panel(desk, scene["iid"])
    ref_id = panel.reference.effective_image_id
    near, stranger = scene["near"], scene["stranger"]
    # The same measure as continuity, on the same renditions: the same number.
    assert pair_similarity(desk, near.image_id, ref_id).score == panel.continuity[near.id]
    assert pair_similarity(desk, stranger.image_id, ref_id).score == panel.continuity[stranger.id]
    apart = pair_similarity(desk, near.image_id, stranger.image_id)
    assert apart.score < desk.settings.drift_below
    same = pair_similarity(desk, near.image_id, near.image_id)
    assert same.score == 100
    # Near the score of the full files themselves (the thumbnails lose little).
    full = similarity(desk.store.get(near.image_key), desk.store.get(stranger.image_key))
    assert abs(full.score - apart.score) <= 10


def test_pair_similarity_of_a_missing_object_is_none(desk, scene):
    stranger = scene["stranger"]
    with desk.read() as session:
        row = session.get(ImageRow, stranger.image_id)
        key, thumb = row.storage_key, row.thumb_key
    renditions = [rendition_key(key, w) for w in RENDITION_WIDTHS]
    desk.store.remove([k for k in (key, thumb) if k] + renditions)
    assert pair_similarity(desk, scene["near"].image_id, stranger.image_id) is None
