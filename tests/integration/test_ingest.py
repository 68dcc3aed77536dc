"""Ingest writes the object first, then the row, and the row never names a missing object."""

import pytest

from stage8.images.ingest import image_row, rows_or_rollback_objects, stage_bytes
from stage8.projects import create_project
from tests.builders import png


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
