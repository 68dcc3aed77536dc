"""The cleanup policy on both databases: the plan, apply doing exactly the plan, protection,
shared images, deleted scenes, the trash, purge now, and the orphan sweep."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from stage8.cleanup.apply import apply_cleanup, plan_cleanup, purge_expired, purge_now
from stage8.cleanup.orphans import find_orphans, sweep_orphans
from stage8.cleanup.trash import list_trash
from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, DecisionEvent, GenerationJob, Image
from stage8.decisions.attempts import (
    add_attempt,
    list_attempts,
    restore_attempt,
    select_attempt,
    set_pinned,
    trash_attempt,
)
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.use_master import set_use_master_as_is
from stage8.errors import DecisionConflict, NotFound
from stage8.generation.run import queue_generation, run_job
from stage8.projects import delete_scene, restore_scene
from stage8.reads.integrity import check
from tests.builders import add_generated, png, project_with_scenes, stored_image

LATER = timedelta(days=31)  # past the default retention of 30 days


def later():
    return utcnow() + LATER


def settings(desk, **values) -> None:
    desk.settings = replace(desk.settings, **values)


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=3)


def gen(desk, world, scene: int, seed: int, *, select: bool = False):
    iid = world["instances"][(scene, "Hero")]
    return add_generated(desk, iid, world["project"], seed, select=select).attempt


def share(desk, world, scene: int, image_id: int, *, select: bool = False):
    iid = world["instances"][(scene, "Hero")]
    return add_attempt(
        desk, iid, source="uploaded", image_id=image_id, actor="t", select_it=select
    ).attempt


def attempt_ids(desk) -> set[int]:
    with desk.tx() as s:
        return set(s.scalars(select(Attempt.id)))


def image_ids(desk) -> set[int]:
    with desk.tx() as s:
        return set(s.scalars(select(Image.id)))


def stored_keys(desk) -> set[str]:
    return {o.key for o in desk.store.list("project_")}


def test_plan_is_exactly_what_apply_does(desk, world):
    first = [gen(desk, world, 1, seed, select=seed == 1) for seed in range(1, 6)]
    settings(desk, attempt_cap=2)
    plan = plan_cleanup(desk)
    # Oldest unprotected first; the selected #1 stays; 5 live - cap 2 = 3 go.
    assert [p.attempt_id for p in plan.to_trash] == [a.id for a in first[1:4]]
    assert all(p.reason == "over the cap of 2 live attempts" for p in plan.to_trash)
    assert plan.cost_trashed == Decimal("0.039") * 3 and plan.to_purge == []
    assert (plan.images, plan.bytes_freed) == ([], 0)
    result = apply_cleanup(desk, plan, actor="t")
    assert result.trashed == [p.attempt_id for p in plan.to_trash]
    assert result.cost_trashed == plan.cost_trashed and result.complete
    assert check(desk) == []
    assert plan_cleanup(desk).empty  # applied: nothing left to do now

    before = stored_keys(desk)
    purge = plan_cleanup(desk, now=later())
    assert {p.attempt_id for p in purge.to_purge} == set(result.trashed)
    assert purge.to_trash == [] and len(purge.images) == 3
    assert purge.bytes_freed == sum(i.bytes for i in purge.images) > 0
    assert purge.cost_purged == Decimal("0.117")
    [totals] = purge.per_scene()
    assert (totals.scene_number, totals.to_purge, totals.images) == (1, 3, 3)
    assert totals.bytes_freed == purge.bytes_freed and totals.cost_usd == Decimal("0.117")
    done = apply_cleanup(desk, purge, actor="t")
    assert done.purged == [p.attempt_id for p in purge.to_purge]
    assert done.images_deleted == [i.image_id for i in purge.images]
    assert done.image_bytes == purge.image_bytes and done.bytes_freed == purge.bytes_freed
    assert done.cost_purged == purge.cost_purged
    assert set(done.objects_removed) == set(purge.objects)
    assert before - stored_keys(desk) == set(purge.objects)
    assert check(desk) == []
    with desk.tx() as s:
        kinds = list(s.scalars(select(DecisionEvent.kind).order_by(DecisionEvent.id)))
    assert kinds.count("cleanup") == 3 and kinds.count("purge") == 3


def test_protected_attempts_are_never_trashed_or_purged(desk, world):
    pid = world["project"]
    s1, s3 = world["instances"][(1, "Hero")], world["instances"][(3, "Hero")]
    set_use_master_as_is(desk, s1, True, actor="t")  # a master copy, selected
    master_copy = next(a for a in list_attempts(desk, s1) if a.source == "master_copy")
    chosen = gen(desk, world, 1, 1, select=True)  # scene 3 will choose this as its reference
    shared_image = stored_image(desk, pid, 2)
    shared = share(desk, world, 1, shared_image)  # also scene 2's selected image below
    share(desk, world, 2, shared_image, select=True)
    # Scene 2 now has a selection, so scene 1 is not scene 3's default: choosing it is a choice.
    use_reference(desk, s3, 1, actor="t")
    pinned = gen(desk, world, 1, 3)
    set_pinned(desk, pinned.id, True, actor="t")
    plain = gen(desk, world, 1, 4)
    selected = gen(desk, world, 1, 5, select=True)
    settings(desk, attempt_cap=1, unselected_max_age_days=1)
    plan = plan_cleanup(desk, now=later())
    assert [p.attempt_id for p in plan.to_trash] == [plain.id]
    apply_cleanup(desk, plan, actor="t")
    live = {a.id for a in list_attempts(desk, s1)}
    assert {master_copy.id, chosen.id, shared.id, pinned.id, selected.id} <= live
    assert check(desk) == []
    # A reviewer may trash protected images by hand; the purge still keeps them.
    for a in (master_copy, chosen, shared):
        trash_attempt(desk, a.id, actor="t")
    purge = plan_cleanup(desk, now=later() + LATER)
    assert [p.attempt_id for p in purge.to_purge] == [plain.id]
    held = {t.attempt_id: t.held_reason for t in list_trash(desk)}
    assert "master image of Hero" in held[master_copy.id]
    assert held[chosen.id] == "scene 3 uses its image as the chosen reference"
    assert "selected in scene 2" in held[shared.id] and held[plain.id] is None
    with pytest.raises(DecisionConflict, match=r"cannot be purged: .*master image"):
        purge_now(desk, master_copy.id, actor="t")
    apply_cleanup(desk, purge, actor="t")
    assert {master_copy.id, chosen.id, shared.id} <= attempt_ids(desk)
    assert check(desk) == []


def test_default_reference_of_a_later_scene_is_protected(desk, world):
    # Scene 1's selected image is scene 2's default reference; the same bytes in scene 2 as
    # an unselected attempt is kept by the cap for that reason.
    a = gen(desk, world, 1, 1, select=True)
    with desk.tx() as s:
        image_id = s.get(Attempt, a.id).image_id
    copy = share(desk, world, 2, image_id)
    gen(desk, world, 2, 2, select=True)
    settings(desk, attempt_cap=1)
    assert plan_cleanup(desk).empty
    assert copy.id in {x.id for x in list_attempts(desk, world["instances"][(2, "Hero")])}


def test_shared_image_is_kept_while_any_row_uses_it(desk, world):
    image_id = stored_image(desk, world["project"], 7)
    a = share(desk, world, 1, image_id)
    b = share(desk, world, 2, image_id)
    gen(desk, world, 1, 1, select=True)
    gen(desk, world, 2, 2, select=True)
    trash_attempt(desk, a.id, actor="t")
    plan = plan_cleanup(desk, now=later())
    assert [p.attempt_id for p in plan.to_purge] == [a.id] and plan.images == []
    apply_cleanup(desk, plan, actor="t")
    assert image_id in image_ids(desk) and check(desk) == []
    trash_attempt(desk, b.id, actor="t")
    plan = plan_cleanup(desk, now=later())
    assert [i.image_id for i in plan.images] == [image_id]
    apply_cleanup(desk, plan, actor="t")
    assert image_id not in image_ids(desk) and check(desk) == []


def test_deleted_scene_goes_through_trash_then_purge(desk, world):
    attempts = [gen(desk, world, 2, seed, select=seed == 2) for seed in (1, 2, 3)]
    iid = world["instances"][(2, "Hero")]
    delete_scene(desk, world["scenes"][2], actor="t")
    plan = plan_cleanup(desk)
    assert {p.attempt_id for p in plan.to_trash} == {a.id for a in attempts}
    assert all(p.reason == "scene 2 was deleted" and p.scene_deleted for p in plan.to_trash)
    apply_cleanup(desk, plan, actor="t")
    assert list_attempts(desk, iid) == [] and check(desk) == []
    # Undo: the scene and its attempts come back; the first restored is selected.
    restore_scene(desk, world["scenes"][2], actor="t")
    restore_attempt(desk, attempts[1].id, actor="t")
    assert [a.id for a in list_attempts(desk, iid) if a.selected] == [attempts[1].id]
    assert check(desk) == []
    delete_scene(desk, world["scenes"][2], actor="t")
    apply_cleanup(desk, plan_cleanup(desk), actor="t")
    purge = plan_cleanup(desk, now=later())
    assert {p.attempt_id for p in purge.to_purge} == {a.id for a in attempts}
    assert len(purge.images) == 3
    apply_cleanup(desk, purge, actor="t")
    assert not {a.id for a in attempts} & attempt_ids(desk) and check(desk) == []


def test_deleted_scene_keeps_its_selection_while_a_protected_attempt_stays(desk, world):
    pinned = gen(desk, world, 2, 1)
    set_pinned(desk, pinned.id, True, actor="t")
    selected = gen(desk, world, 2, 2, select=True)
    other = gen(desk, world, 2, 3)
    delete_scene(desk, world["scenes"][2], actor="t")
    plan = plan_cleanup(desk)
    assert [p.attempt_id for p in plan.to_trash] == [other.id]
    apply_cleanup(desk, plan, actor="t")
    live = list_attempts(desk, world["instances"][(2, "Hero")])
    assert {a.id for a in live} == {pinned.id, selected.id} and check(desk) == []


def test_stale_plan_of_a_deleted_scene_keeps_a_selection(desk, world):
    kept = gen(desk, world, 2, 1, select=True)
    back = gen(desk, world, 2, 2)
    trash_attempt(desk, back.id, actor="t")
    delete_scene(desk, world["scenes"][2], actor="t")
    plan = plan_cleanup(desk)
    assert [p.attempt_id for p in plan.to_trash] == [kept.id]
    restore_attempt(desk, back.id, actor="t")  # live again, after the plan was made
    result = apply_cleanup(desk, plan, actor="t")
    assert result.trashed == [] and result.skipped == [kept.id]
    assert check(desk) == []


def test_stale_plan_is_rechecked_and_never_does_more(desk, world):
    first = [gen(desk, world, 1, seed, select=seed == 3) for seed in (1, 2, 3)]
    settings(desk, attempt_cap=1)
    plan = plan_cleanup(desk)
    assert [p.attempt_id for p in plan.to_trash] == [first[0].id, first[1].id]
    select_attempt(desk, first[0].id, actor="t")  # the reviewer picks one meanwhile
    result = apply_cleanup(desk, plan, actor="t")
    assert result.trashed == [first[1].id] and result.skipped == [first[0].id]
    assert check(desk) == []
    purge = plan_cleanup(desk, now=later())
    restore_attempt(desk, first[1].id, actor="t")
    again = apply_cleanup(desk, purge, actor="t")
    assert again.purged == [] and again.skipped == [first[1].id]
    assert first[1].id in attempt_ids(desk)


def test_trash_list_restore_and_purge_now(desk, world):
    keep = gen(desk, world, 1, 1, select=True)
    gone = gen(desk, world, 1, 2)
    trash_attempt(desk, gone.id, actor="t", reason="not good")
    [item] = list_trash(desk)
    assert (item.attempt_id, item.scene_number, item.asset_name) == (gone.id, 1, "Hero")
    assert item.purge_due == item.trashed_at + timedelta(days=30)
    assert item.thumb_key and item.thumb_key in stored_keys(desk) and item.held_reason is None
    with pytest.raises(DecisionConflict, match="not in the trash"):
        purge_now(desk, keep.id, actor="t")
    restore_attempt(desk, gone.id, actor="t")
    assert list_trash(desk) == []
    trash_attempt(desk, gone.id, actor="t")
    keys = stored_keys(desk)
    result = purge_now(desk, gone.id, actor="t")
    assert result.images_deleted and result.bytes_freed > 0 and result.error is None
    assert keys - stored_keys(desk) == set(result.objects_removed)
    assert "purged" in result.message and check(desk) == []
    with pytest.raises(NotFound):
        purge_now(desk, gone.id, actor="t")


def test_purge_expired_purges_only_what_is_due(desk, world):
    gen(desk, world, 1, 1, select=True)
    old, new = gen(desk, world, 1, 2), gen(desk, world, 1, 3)
    trash_attempt(desk, old.id, actor="t")
    settings(desk, trash_retention_days=0)
    trash_attempt(desk, new.id, actor="t")
    result = purge_expired(desk, actor="t")
    assert sorted(result.purged) == sorted([old.id, new.id]) and result.complete
    assert result.trashed == [] and check(desk) == []


def test_generation_jobs_keep_their_history(desk, world):
    iid = world["instances"][(2, "Hero")]
    gen(desk, world, 1, 1, select=True)  # scene 2's default reference
    [job_id] = queue_generation(desk, iid, actor="t")
    view = run_job(desk, job_id, "w1")
    assert view.status == "succeeded"
    gen(desk, world, 2, 5, select=True)
    trash_attempt(desk, view.attempt_id, actor="t")
    apply_cleanup(desk, plan_cleanup(desk, now=later()), actor="t")
    with desk.tx() as s:
        job = s.get(GenerationJob, job_id)
        assert job.attempt_id is None and job.status == "succeeded"
        assert job.reference_image_id is not None  # scene 1's selected image stays
    assert check(desk) == []


def test_finished_jobs_do_not_keep_an_unused_reference(desk, world):
    iid = world["instances"][(2, "Hero")]
    first = gen(desk, world, 1, 1, select=True)
    [job_id] = queue_generation(desk, iid, actor="t")
    view = run_job(desk, job_id, "w1")
    gen(desk, world, 1, 2, select=True)  # scene 1 moves on; its old image is no reference
    gen(desk, world, 2, 3, select=True)
    for attempt_id in (first.id, view.attempt_id):
        trash_attempt(desk, attempt_id, actor="t")
    with desk.tx() as s:
        old_image = s.get(Attempt, first.id).image_id
    plan = plan_cleanup(desk, now=later())
    assert old_image in {i.image_id for i in plan.images}
    apply_cleanup(desk, plan, actor="t")
    with desk.tx() as s:
        assert s.get(GenerationJob, job_id).reference_image_id is None
    assert old_image not in image_ids(desk) and check(desk) == []


def test_age_limit_trashes_old_unselected_attempts(desk, world):
    gen(desk, world, 1, 1, select=True)
    old = gen(desk, world, 1, 2)
    settings(desk, unselected_max_age_days=10)
    assert plan_cleanup(desk).empty
    plan = plan_cleanup(desk, now=utcnow() + timedelta(days=11))
    assert [(p.attempt_id, p.reason) for p in plan.to_trash] == [
        (old.id, "unselected for more than 10 days")
    ]


def test_orphan_sweep_removes_only_old_unreferenced_objects(desk, world):
    gen(desk, world, 1, 1, select=True)
    pid = world["project"]
    used = stored_keys(desk)
    young, old = f"project_{pid}/images/aa/young.png", f"project_{pid}/images/bb/old.png"
    outside = "elsewhere/keep.png"
    for key in (young, old, outside):
        desk.store.put(key, png(9), "image/png")
    two_hours_ago = (utcnow() - timedelta(hours=2)).timestamp()
    os.utime(desk.settings.storage_path / old, (two_hours_ago, two_hours_ago))
    assert [(o.key, o.reason) for o in find_orphans(desk)] == [(old, "orphan")]
    assert {o.key for o in find_orphans(desk, now=utcnow() + timedelta(hours=2))} == {young, old}
    swept = sweep_orphans(desk)
    assert [o.key for o in swept.removed] == [old] and swept.bytes_freed > 0
    assert desk.store.exists(young) and desk.store.exists(outside)
    assert used <= stored_keys(desk) and check(desk) == []
    plan = plan_cleanup(desk, now=utcnow() + timedelta(hours=2))
    assert [o.key for o in plan.orphans] == [young]
    result = apply_cleanup(desk, plan, actor="t")
    assert result.orphans_removed == [young] and result.orphan_bytes == plan.orphan_bytes
    assert not desk.store.exists(young) and desk.store.exists(outside)


def test_restoring_a_scene_brings_back_its_trashed_attempts_and_selection(desk, world):
    attempts = [gen(desk, world, 2, seed, select=seed == 2) for seed in (1, 2, 3)]
    iid = world["instances"][(2, "Hero")]
    delete_scene(desk, world["scenes"][2], actor="t")
    apply_cleanup(desk, plan_cleanup(desk), actor="t")
    assert list_attempts(desk, iid) == []
    assert restore_scene(desk, world["scenes"][2], actor="t") == 3
    live = list_attempts(desk, iid)
    assert {a.id for a in live} == {a.id for a in attempts}
    assert [a.id for a in live if a.selected] == [attempts[1].id]
    assert check(desk) == []
