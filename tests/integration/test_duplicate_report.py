"""The Storage page's duplicates report: exact (same bytes) and near ("same as #n") duplicates of
a project, with their kind, hash distance, cost and bytes, and the totals (both databases)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from stage8.db.models import Image
from stage8.decisions.attempts import add_attempt, select_attempt, trash_attempt
from stage8.decisions.duplicates import NEAR_BITS
from stage8.decisions.uploads import upload_images
from stage8.errors import NotFound
from stage8.reads.duplicates import duplicate_report
from tests.builders import project_with_scenes
from tests.integration.test_duplicates import encoded, picture


@pytest.fixture
def world(desk):
    """Scene 1's Hero: #1 an upload, #2 a re-encoded copy of it (near), #3 the same bytes as #1
    again, paid for as a generation (exact); scene 2's Hero: a single attempt."""
    w = project_with_scenes(desk, scenes=2)
    iid = w["instances"][(1, "Hero")]
    hero = picture((200, 40, 40))
    first = upload_images(desk, iid, [("hero.png", encoded(hero, "PNG"))], actor="t")
    original = first.results[0].attempt
    copy = encoded(hero.resize((200, 150)), "JPEG", quality=70)
    near = upload_images(desk, iid, [("copy.jpg", copy)], actor="t").results[0].attempt
    exact = add_attempt(
        desk,
        iid,
        source="generated",
        image_id=original.image_id,
        actor="t",
        select_it=False,
        cost_usd=Decimal("0.039"),
        provider="offline",
        model="offline-preview-1",
    ).attempt
    other = w["instances"][(2, "Hero")]
    upload_images(desk, other, [("other.png", encoded(picture((20, 20, 200)), "PNG"))], actor="t")
    return {**w, "original": original, "near": near, "exact": exact}


def test_exact_and_near_duplicates_with_their_totals(desk, world):
    report = duplicate_report(desk, "Test project")
    rows = report.rows.to_dict("records")
    assert [(r["attempt_number"], r["same_as"], r["kind"]) for r in rows] == [
        (world["near"].attempt_number, 1, "near"),
        (world["exact"].attempt_number, 1, "exact"),
    ]
    near, exact = rows
    assert 0 <= near["distance_bits"] <= NEAR_BITS
    with desk.read() as session:
        near_bytes = session.scalar(
            select(Image.byte_size).where(Image.id == world["near"].image_id)
        )
    assert (near["scene_number"], near["asset"], near["bytes"]) == (1, "Hero", near_bytes)
    assert (exact["distance_bits"], exact["bytes"], exact["cost_usd"]) == (0, 0, Decimal("0.039"))
    assert (report.count, report.groups) == (2, 1)
    assert (report.cost_usd, report.byte_size) == (Decimal("0.039"), near_bytes)


def test_a_trashed_original_leaves_the_near_copy_without_a_distance(desk, world):
    select_attempt(desk, world["near"].id, actor="t")
    trash_attempt(desk, world["original"].id, actor="t")
    rows = duplicate_report(desk, "Test project").rows.to_dict("records")
    # #3 is now the oldest live copy of those bytes: no longer a duplicate of anything.
    assert [(r["attempt_number"], r["kind"], r["distance_bits"]) for r in rows] == [
        (world["near"].attempt_number, "near", None)
    ]


def test_no_duplicates_and_an_unknown_project(desk):
    project_with_scenes(desk, scenes=1)
    report = duplicate_report(desk, "Test project")
    assert (report.count, report.groups, report.cost_usd, report.byte_size) == (0, 0, 0, 0)
    with pytest.raises(NotFound):
        duplicate_report(desk, "No such project")
