"""The Arrow read path on SQLite and PostgreSQL: many small batches give the same files as one,
a column that is NULL throughout the first batch and text later still reads (SQLite's ADBC driver
infers types from the first batch), and filter values are inlined as data, never as SQL."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
import pytest

import stage8.reads.export.arrow_read as arrow_read
from stage8.decisions.attempts import add_attempt
from stage8.projects import add_asset, add_instance, add_scene, create_project
from stage8.reads.export.stream import FORMATS, WHATS, ExportFilters, export_bytes, preview
from tests.builders import add_generated, png, stored_image
from tests.integration.test_export import assert_same, build_world, expected, read_back

AWKWARD = 'O\'Brien 50% \\ "cut"; --'


def order_key(what: str, row: dict) -> tuple:
    """The documented export order (the test project was created first, so its id is lower)."""
    if what == "events":
        return (int(row["event_id"]),)
    place = (row["project"] != "Test project", row["scene_number"], row["asset_name"])
    return (*place, row["attempt_number"]) if what == "attempts" else place


@pytest.fixture
def tiny_batches(monkeypatch):
    """Batches of two rows on SQLite and as small as the PostgreSQL reader makes them."""
    monkeypatch.setattr(arrow_read, "SQLITE_BATCH_ROWS", 2)
    monkeypatch.setattr(arrow_read, "POSTGRES_BATCH_BYTES", 1)


@pytest.mark.parametrize("what", WHATS)
def test_small_batches_give_the_same_rows_and_bytes(desk, what):
    build_world(desk)
    everything = ExportFilters(include_trashed=what == "attempts")
    whole = {fmt: export_bytes(desk, what, fmt, everything) for fmt in FORMATS if fmt != "xlsx"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrow_read, "SQLITE_BATCH_ROWS", 2)
        patch.setattr(arrow_read, "POSTGRES_BATCH_BYTES", 1)
        want = expected(desk, what)
        rows = read_back(what, "jsonl", export_bytes(desk, what, "jsonl", everything))
        assert [order_key(what, r) for r in rows] == sorted(order_key(what, r) for r in rows)
        for fmt in FORMATS:
            data = export_bytes(desk, what, fmt, everything)
            assert_same(what, fmt, read_back(what, fmt, data), want)
            if fmt in ("csv", "jsonl"):
                assert data == whole[fmt], fmt  # one batch or many: the same bytes
            if fmt == "parquet":
                assert pq.read_table(io.BytesIO(data)).equals(pq.read_table(io.BytesIO(whole[fmt])))


def test_text_after_a_first_batch_of_nulls(desk, tiny_batches):
    pid = create_project(desk, "Film")
    hero = add_asset(desk, pid, "Hero", "character", image_bytes=png(1))
    instance = add_instance(desk, add_scene(desk, pid, 1, "Quay"), hero)
    for seed in range(2, 6):  # generated: no file name, no format
        add_generated(desk, instance, pid, seed)
    add_attempt(
        desk,
        instance,
        source="uploaded",
        image_id=stored_image(desk, pid, 9),
        actor="lead",
        original_filename="late.png",
        original_format="PNG",
        original_byte_size=10,
    )
    rows = read_back("attempts", "parquet", export_bytes(desk, "attempts", "parquet"))
    names = [r["original_filename"] for r in rows]
    assert names[-1] == "late.png" and names[:-1] == [None] * (len(names) - 1)
    assert len(names) >= 5  # two batches of nulls at least before the text
    frame = preview(desk, "attempts", limit=3)
    assert len(frame) == 3 and frame["original_filename"].isna().all()


def test_filter_values_are_data_not_sql(desk, tiny_batches):
    build_world(desk)
    pid = create_project(desk, AWKWARD)
    asset = add_asset(desk, pid, AWKWARD, "prop", image_bytes=png(50))
    instance = add_instance(desk, add_scene(desk, pid, 1, AWKWARD), asset)
    add_generated(desk, instance, pid, 51)
    chosen = ExportFilters(project=AWKWARD, asset_name=AWKWARD)
    for fmt in ("csv", "parquet"):
        rows = read_back("attempts", fmt, export_bytes(desk, "attempts", fmt, chosen))
        assert len(rows) >= 2  # the instance's first attempt and the generated one
        assert {(r["project"], r["asset_name"]) for r in rows} == {(AWKWARD, AWKWARD)}
    assert (
        export_bytes(desk, "attempts", "csv", ExportFilters(asset_name="Hero%")).count(b"\r\n") == 1
    )  # the header only: % is a character, not a wildcard
