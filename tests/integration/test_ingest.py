"""Ingest writes the object first, then the row, and the row never names a missing object."""

import pytest

from stage8.decisions.attempts import list_attempts
from stage8.decisions.uploads import upload_images
from stage8.errors import StorageError
from stage8.images.ingest import image_row, rows_or_rollback_objects, stage_bytes
from stage8.projects import create_project
from stage8.reads.integrity import check
from tests.builders import png, project_with_scenes


def test_row_for_an_object_removed_after_staging_rewrites_it(desk):
    pid = create_project(desk, "P")
    staged = stage_bytes(desk, pid, png(3))
    desk.store.remove([staged.key, staged.thumb_key])  # a sweep ran between staging and rows
    with desk.tx() as s:
        row = image_row(s, staged)
    assert desk.store.get(row.storage_key) == staged.processed.data
    assert desk.store.exists(row.thumb_key)


def test_failed_rows_remove_the_staged_objects(desk):
    pid = create_project(desk, "P")
    staged = stage_bytes(desk, pid, png(4))
    with pytest.raises(RuntimeError), rows_or_rollback_objects(desk, [staged]), desk.tx() as s:
        image_row(s, staged)
        raise RuntimeError("the transaction fails after the row was written")
    assert not desk.store.exists(staged.key)
    assert not desk.store.exists(staged.thumb_key)


def test_same_bytes_share_one_row(desk):
    pid = create_project(desk, "P")
    first = stage_bytes(desk, pid, png(5))
    second = stage_bytes(desk, pid, png(5))
    with desk.tx() as s:
        a = image_row(s, first).id
    with desk.tx() as s:
        b = image_row(s, second).id
    assert a == b


class FullDisk:
    """The real store, except that its `nth` put fails like a full disk (nothing written)."""

    def __init__(self, inner, nth: int) -> None:
        self.inner, self.name, self.nth, self.puts = inner, inner.name, nth, 0

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.puts += 1
        if self.puts == self.nth:
            raise StorageError(f"Could not write image {key}: No space left on device.")
        self.inner.put(key, data, content_type)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def stored_keys(desk) -> set[str]:
    return {o.key for o in desk.store.list("project_")}


def test_a_failed_thumbnail_removes_the_image_it_followed(desk):
    pid = create_project(desk, "P")
    desk.use_store(FullDisk(desk.store, nth=2))

    with pytest.raises(StorageError, match="No space left"):
        stage_bytes(desk, pid, png(6))

    assert stored_keys(desk) == set()


def test_an_upload_whose_thumbnail_fails_leaves_no_object_and_no_row(desk):
    world = project_with_scenes(desk, scenes=1)
    hero = world["instances"][(1, "Hero")]
    before = stored_keys(desk)
    desk.use_store(FullDisk(desk.store, nth=2))

    with pytest.raises(StorageError, match="No space left"):
        upload_images(desk, hero, [("a.png", png(1))], actor="ana")

    assert stored_keys(desk) == before  # at once, not after the hourly sweep
    assert list_attempts(desk, hero) == [] and check(desk) == []


def test_an_object_that_was_there_before_is_kept_when_its_thumbnail_fails(desk):
    pid = create_project(desk, "P")
    staged = stage_bytes(desk, pid, png(7))
    desk.store.remove([staged.thumb_key])
    desk.use_store(FullDisk(desk.store, nth=1))

    with pytest.raises(StorageError):
        stage_bytes(desk, pid, png(7))

    kept = set(staged.keys) - {staged.thumb_key}  # the image and its renditions were there
    assert stored_keys(desk) == kept  # another upload of these bytes may need them
