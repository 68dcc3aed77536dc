"""Renditions (issue 16): JPEGs at the widths pages show images, made at ingest and by backfill;
owned by the image row like its thumbnail (purge, orphan sweep, check). Both databases."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from PIL import Image as PILImage
from sqlalchemy import select

from stage8.cleanup.apply import purge_now
from stage8.cleanup.orphans import find_orphans
from stage8.db.models import Image
from stage8.decisions.attempts import trash_attempt
from stage8.errors import StorageError
from stage8.images.ingest import stage_bytes
from stage8.images.objects import RENDITION_WIDTHS, referenced_keys
from stage8.images.renditions import backfill
from stage8.projects import create_project
from stage8.reads.integrity import check, object_counts
from stage8.storage.keys import rendition_key
from tests.builders import add_generated, png, project_with_scenes, stored_image


def renditions_of(desk) -> dict[str, list[str]]:
    with desk.read() as s:
        keys = list(s.scalars(select(Image.storage_key)))
    return {k: [rendition_key(k, w) for w in RENDITION_WIDTHS] for k in keys}


def drop_renditions(desk) -> int:
    """Make every image look like one stored before renditions existed."""
    gone = [r for rs in renditions_of(desk).values() for r in rs]
    desk.store.remove(gone)
    return len(renditions_of(desk))


class FailingPuts:
    """The real store, except that puts after the first `ok` fail like a full disk."""

    def __init__(self, inner, ok: int) -> None:
        self.inner, self.name, self.ok, self.puts = inner, inner.name, ok, 0

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.puts += 1
        if self.puts > self.ok:
            raise StorageError(f"Could not write image {key}: No space left on device.")
        self.inner.put(key, data, content_type)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_ingest_stores_a_jpeg_per_shown_width(desk):
    pid = create_project(desk, "P")
    staged = stage_bytes(desk, pid, png(5, size=(1200, 700)))
    for width in RENDITION_WIDTHS:
        data = desk.store.get(rendition_key(staged.key, width))
        with PILImage.open(io.BytesIO(data)) as im:
            assert (im.format, im.width) == ("JPEG", width)
            assert abs(im.height - round(700 * width / 1200)) <= 1


def test_a_narrow_image_gets_renditions_at_its_own_width(desk):
    pid = create_project(desk, "P")
    staged = stage_bytes(desk, pid, png(6, size=(200, 120)))
    widths = []
    for width in RENDITION_WIDTHS:
        with PILImage.open(io.BytesIO(desk.store.get(rendition_key(staged.key, width)))) as im:
            widths.append((im.format, im.width))
    assert widths == [("JPEG", min(w, 200)) for w in RENDITION_WIDTHS]


def test_backfill_is_idempotent_and_check_counts_renditions(desk):
    world = project_with_scenes(desk, scenes=2)
    iid = world["instances"][(1, "Hero")]
    for seed in (1, 2):
        add_generated(desk, iid, world["project"], seed)
    images = drop_renditions(desk)
    assert images >= 3
    counts = object_counts(desk)
    assert (counts.renditions, counts.without_renditions) == (0, images)
    assert check(desk) == []  # an image without renditions is shown the old way, not broken

    first = backfill(desk)
    assert (first.made, first.skipped) == (images, 0)
    for key in (r for rs in renditions_of(desk).values() for r in rs):
        assert desk.store.exists(key)
    again = backfill(desk)
    assert (again.made, again.skipped) == (0, images)
    counts = object_counts(desk)
    assert counts.renditions == images * len(RENDITION_WIDTHS) and counts.without_renditions == 0
    assert counts.images == counts.thumbnails == images and check(desk) == []


def test_an_interrupted_backfill_is_finished_by_the_next_run(desk):
    pid = create_project(desk, "P")
    for seed in (1, 2, 3):
        stored_image(desk, pid, seed)
    images = drop_renditions(desk)
    real = desk.store
    desk.use_store(FailingPuts(real, ok=len(RENDITION_WIDTHS) + 1))  # the 2nd image fails
    with pytest.raises(StorageError, match="No space left"):
        backfill(desk)
    desk.use_store(real)
    assert object_counts(desk).without_renditions == images - 1
    resumed = backfill(desk)
    assert (resumed.made, resumed.skipped) == (images - 1, 1)
    assert object_counts(desk).without_renditions == 0 and check(desk) == []


def test_renditions_are_referenced_while_the_row_lives_and_purged_with_it(desk):
    world = project_with_scenes(desk, scenes=1)
    iid = world["instances"][(1, "Hero")]
    add_generated(desk, iid, world["project"], 1, select=True)
    gone = add_generated(desk, iid, world["project"], 2, select=False).attempt
    with desk.read() as s:
        key = s.scalar(select(Image.storage_key).where(Image.id == gone.image_id))
        owned = [rendition_key(key, w) for w in RENDITION_WIDTHS]
        assert referenced_keys(s, owned) == set(owned)  # the sweep's per-key re-check
        assert set(owned) <= referenced_keys(s)  # the sweep's listing
    assert not any(o.key in owned for o in find_orphans(desk, older_than=timedelta(0)))

    trash_attempt(desk, gone.id, actor="t")
    result = purge_now(desk, gone.id, actor="t")
    assert result.error is None and set(owned) <= set(result.objects_removed)
    assert not any(desk.store.exists(k) for k in owned) and check(desk) == []


def test_a_rendition_without_its_row_is_an_orphan(desk):
    pid = create_project(desk, "P")
    staged = stage_bytes(desk, pid, png(9))  # objects staged, rows never written
    with desk.read() as s:
        assert referenced_keys(s, staged.keys) == set()
    orphans = {o.key for o in find_orphans(desk, older_than=timedelta(0))}
    assert set(staged.keys) <= orphans


def test_cli_backfill_prints_made_and_skipped(run, desk):
    pid = create_project(desk, "P")
    for seed in (1, 2):
        stored_image(desk, pid, seed)
    drop_renditions(desk)
    out = run("renditions", "--backfill")
    assert out.returncode == 0, out.stderr
    assert "Renditions made for 2 images, 0 skipped" in out.stdout
    again = json.loads(run("renditions", "--backfill", "--json").stdout)
    assert (again["made"], again["skipped"]) == (0, 2)
    checked = run("check")
    assert checked.returncode == 0 and f"{2 * len(RENDITION_WIDTHS)} renditions" in checked.stdout
