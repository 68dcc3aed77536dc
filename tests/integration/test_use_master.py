"""Use master as-is (issue 5) on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, select

from stage8.db.models import Attempt, Image
from stage8.decisions.attempts import list_attempts, select_attempt
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.use_master import scene_targets, set_use_master_as_is, use_master_bulk
from stage8.errors import DecisionConflict
from stage8.projects import add_asset, add_instance, add_scene, create_project
from stage8.reads.integrity import check
from tests.builders import add_generated, png, project_with_scenes


def _selected(desk, iid):
    return next(a for a in list_attempts(desk, iid) if a.selected)


def test_unchanged_instances_start_as_is_with_the_reference_selected(desk):
    pid = create_project(desk, "P")
    hero = add_asset(desk, pid, "Hero", "character", image_bytes=png(1))
    sid = add_scene(desk, pid, 1, "One")
    iid = add_instance(desk, sid, hero)
    changed = add_instance(
        desk,
        sid,
        add_asset(desk, pid, "Cup", "prop", image_bytes=png(2)),
        description="a chipped cup",
    )
    sel = _selected(desk, iid)
    assert sel.source == "master_copy"
    assert list_attempts(desk, changed) == []
    assert scene_targets(desk, None, 1, unchanged=True) == [(iid, "Hero")]
    assert [n for _, n in scene_targets(desk, None, 1)] == ["Cup", "Hero"]
    assert check(desk) == []


def test_as_is_shares_the_image_and_never_duplicates(desk):
    w = project_with_scenes(desk, scenes=1)
    iid = w["instances"][(1, "Hero")]
    add_generated(desk, iid, w["project"], 5)
    with desk.tx() as s:
        images_before = s.scalar(select(func.count()).select_from(Image))
    for _ in range(10):
        set_use_master_as_is(desk, iid, True, actor="t")
        set_use_master_as_is(desk, iid, False, actor="t")
    with desk.tx() as s:
        copies = s.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.instance_id == iid, Attempt.source == "master_copy")
        )
        images_after = s.scalar(select(func.count()).select_from(Image))
    assert copies == 1
    assert images_after == images_before  # no bytes copied
    assert check(desk) == []


def test_selecting_another_attempt_turns_as_is_off(desk):
    w = project_with_scenes(desk, scenes=1)
    iid = w["instances"][(1, "Hero")]
    gen = add_generated(desk, iid, w["project"], 5).attempt
    set_use_master_as_is(desk, iid, True, actor="t")
    select_attempt(desk, gen.id, actor="t")
    from stage8.reads.board import load_panel

    assert not load_panel(desk, iid).use_master_as_is
    assert check(desk) == []


def test_new_generated_selection_turns_as_is_off(desk):
    w = project_with_scenes(desk, scenes=1)
    iid = w["instances"][(1, "Hero")]
    set_use_master_as_is(desk, iid, True, actor="t")
    add_generated(desk, iid, w["project"], 6)  # selected on arrival
    from stage8.reads.board import load_panel

    assert not load_panel(desk, iid).use_master_as_is
    assert check(desk) == []


def test_changing_reference_moves_the_as_is_selection(desk):
    w = project_with_scenes(desk, scenes=3)
    pid = w["project"]
    s1 = add_generated(desk, w["instances"][(1, "Hero")], pid, 1).attempt
    add_generated(desk, w["instances"][(2, "Hero")], pid, 2)
    iid = w["instances"][(3, "Hero")]
    set_use_master_as_is(desk, iid, True, actor="t")
    use_reference(desk, iid, 1, actor="t")
    sel = _selected(desk, iid)
    assert sel.source == "master_copy" and sel.image_id == s1.image_id
    assert check(desk) == []


def test_no_reference_is_a_clear_error_and_bulk_reports_per_asset(desk):
    pid = create_project(desk, "P")
    bare = add_asset(desk, pid, "Ghost", "character")  # no master image
    hero = add_asset(desk, pid, "Hero", "character", image_bytes=png(1))
    sid = add_scene(desk, pid, 1, "One")
    g = add_instance(desk, sid, bare, description="x")
    h = add_instance(desk, sid, hero, description="y")
    with pytest.raises(DecisionConflict, match="no reference image"):
        set_use_master_as_is(desk, g, True, actor="t")
    results = use_master_bulk(desk, [g, h], actor="t")
    assert [r.outcome for r in results] == ["skipped", "applied"]
    assert "no reference image" in results[0].message
    again = use_master_bulk(desk, [h], actor="t")
    assert again[0].outcome == "already"


def test_check_reports_flag_and_selection_disagreeing(desk):
    from sqlalchemy import update

    from stage8.db.models import SceneAssetInstance

    w = project_with_scenes(desk, scenes=1)
    iid = w["instances"][(1, "Hero")]
    add_generated(desk, iid, w["project"], 5)
    with desk.tx() as s:
        s.execute(
            update(SceneAssetInstance)
            .where(SceneAssetInstance.id == iid)
            .values(use_master_as_is=True)
        )
    assert [v.invariant for v in check(desk)] == [3]


def test_new_image_in_an_earlier_scene_does_not_break_as_is_later(desk):
    from stage8.db.finders import find_instance
    from stage8.decisions.references import reference_state
    from stage8.demo.seed import seed_demo

    seed_demo(desk)
    with desk.tx() as s:
        tomas1 = find_instance(s, None, 1, "Old Tomas").id
        tomas2 = find_instance(s, None, 2, "Old Tomas").id
    before = _selected(desk, tomas2)
    with desk.tx() as s:
        project_id = s.scalar(select(func.min(Image.project_id)))
    add_generated(desk, tomas1, project_id, 77)  # scene 1 selects a new image
    assert check(desk) == []
    assert _selected(desk, tomas2).id == before.id  # the as-is decision is kept
    with desk.tx() as s:
        assert reference_state(s, tomas2).stale_reason == "Scene 1 now has a newer image"
