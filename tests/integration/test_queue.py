"""The review queue (issue 13 item 4) on SQLite and PostgreSQL: each reason, order, filters,
counts, and a fixed number of queries whatever the project's size."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from stage8.decisions.attempts import list_attempts, select_attempt, set_pinned
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.use_master import set_use_master_as_is
from stage8.errors import InvalidInput, ProviderError
from stage8.generation.run import queue_generation, run_job
from stage8.projects import add_asset, add_instance, add_scene, create_project, delete_scene
from stage8.providers import OfflineProvider
from stage8.reads.queue import (
    attention_by_scene,
    attention_stamp,
    queue_counts,
    review_queue,
)
from tests.builders import add_generated, png

ASSETS = (("Zed", "character"), ("Ann", "character"), ("Bay", "location"), ("Anchor", "prop"))


class Refusing:
    """A provider that refuses every request (the process boundary: a model's API)."""

    name, model = "offline", "offline-preview-1"

    def estimate_cost(self) -> Decimal:
        return Decimal("0")

    def generate(self, request):
        raise ProviderError("The model refused the prompt.")


def build(desk, scenes: int = 3, assets=ASSETS, name: str = "Queue project") -> dict:
    """A project whose every instance changes its asset (so none starts as-is): all undecided."""
    pid = create_project(desk, name)
    asset_ids = {
        a: add_asset(desk, pid, a, kind, image_bytes=png(500 + i))
        for i, (a, kind) in enumerate(assets)
    }
    scene_ids, instances = {}, {}
    for n in range(1, scenes + 1):
        scene_ids[n] = add_scene(desk, pid, n, f"Scene {n}")
        for a, aid in asset_ids.items():
            instances[(n, a)] = add_instance(desk, scene_ids[n], aid, description=f"{a} in {n}")
    return {"project": pid, "name": name, "scenes": scene_ids, "instances": instances}


@pytest.fixture
def world(desk):
    return build(desk)


def _rows(items):
    return [(i.scene_number, i.asset_name, i.reasons) for i in items]


def test_undecided_instances_in_scene_then_type_then_name_order(desk, world):
    items = review_queue(desk)
    assert [(i.scene_number, i.asset_name) for i in items] == [
        (n, a) for n in (1, 2, 3) for a in ("Ann", "Zed", "Bay", "Anchor")
    ]
    assert {i.reasons for i in items} == {("undecided",)}
    assert items[0].labels == ["undecided"] and items[2].asset_type == "location"


def test_a_decision_or_as_is_takes_an_instance_off_and_deleted_scenes_never_show(desk, world):
    pid, inst = world["project"], world["instances"]
    add_generated(desk, inst[(1, "Ann")], pid, 1)
    set_use_master_as_is(desk, inst[(1, "Zed")], True, actor="ana")
    add_generated(desk, inst[(2, "Bay")], pid, 2, select=False)  # the first is selected anyway
    delete_scene(desk, world["scenes"][3], actor="ana")
    items = review_queue(desk)
    assert [(i.scene_number, i.asset_name) for i in items] == [
        (1, "Bay"),
        (1, "Anchor"),
        (2, "Ann"),
        (2, "Zed"),
        (2, "Anchor"),
    ]


def _decide_all(desk, world, seed=100):
    for k, iid in enumerate(world["instances"].values()):
        add_generated(desk, iid, world["project"], seed + k)


def test_stale_reference_when_the_chosen_scene_selects_another_image(desk, world):
    _decide_all(desk, world)
    pid, inst = world["project"], world["instances"]
    use_reference(desk, inst[(3, "Ann")], 1, actor="ana")  # scene 1's image of Ann
    assert review_queue(desk) == []
    add_generated(desk, inst[(1, "Ann")], pid, 900)  # scene 1 now selects a newer image
    [item] = review_queue(desk)
    assert _rows([item]) == [(3, "Ann", ("stale_reference",))]
    assert "Scene 1" in item.stale_reason
    use_reference(desk, inst[(3, "Ann")], "default", actor="ana")
    assert review_queue(desk) == []


def test_new_attempts_until_a_reviewer_decides_on_the_instance(desk, world):
    _decide_all(desk, world)
    pid, iid = world["project"], world["instances"][(2, "Zed")]
    chosen = add_generated(desk, iid, pid, 901, select=False).attempt
    [job] = queue_generation(desk, iid, actor="bot")
    select_attempt(desk, chosen.id, actor="ana")  # a reviewer chose while the job waited
    late = run_job(desk, job, "w1")
    assert late.status == "succeeded"
    [item] = review_queue(desk)
    assert _rows([item]) == [(2, "Zed", ("new_attempts",))] and item.new_attempts == 1
    set_pinned(desk, chosen.id, True, actor="ana")  # any decision here: the reviewer looked
    assert review_queue(desk) == []
    # A second late attempt after that decision is new again; selecting it clears it too.
    [job] = queue_generation(desk, iid, actor="bot")
    set_pinned(desk, chosen.id, False, actor="ana")
    select_attempt(desk, _first_other(desk, iid, chosen.id), actor="ana")
    run_job(desk, job, "w1")
    [item] = review_queue(desk)
    assert item.reasons == ("new_attempts",) and item.new_attempts == 1
    newest = max(a.id for a in _live(desk, iid))
    select_attempt(desk, newest, actor="ana")
    assert review_queue(desk) == []


def _live(desk, iid):
    return list_attempts(desk, iid)


def _first_other(desk, iid, attempt_id):
    return next(a.id for a in _live(desk, iid) if a.id != attempt_id and not a.selected)


def test_failed_generation_until_a_newer_attempt_arrives(desk, world):
    _decide_all(desk, world)
    iid = world["instances"][(1, "Bay")]
    desk.use_provider(Refusing())
    [job] = queue_generation(desk, iid, actor="ana")
    assert run_job(desk, job, "w1").status == "failed"
    [item] = review_queue(desk)
    assert _rows([item]) == [(1, "Bay", ("failed_generation",))]
    assert item.failure == "The model refused the prompt."
    desk.use_provider(OfflineProvider())
    [job] = queue_generation(desk, iid, actor="ana")
    assert run_job(desk, job, "w1").status == "succeeded"
    assert review_queue(desk) == []


def test_an_item_lists_every_reason_it_has(desk, world):
    iid = world["instances"][(1, "Ann")]
    desk.use_provider(Refusing())
    [job] = queue_generation(desk, iid, actor="ana")
    run_job(desk, job, "w1")
    [first, *_] = review_queue(desk)
    assert first.instance_id == iid
    assert first.reasons == ("undecided", "failed_generation")
    assert first.labels == ["undecided", "failed generation"]


def test_filters_reason_scene_range_and_type(desk, world):
    iid = world["instances"][(2, "Anchor")]
    desk.use_provider(Refusing())
    [job] = queue_generation(desk, iid, actor="ana")
    run_job(desk, job, "w1")
    failed = review_queue(desk, reasons=["failed_generation"])
    assert _rows(failed) == [(2, "Anchor", ("undecided", "failed_generation"))]
    assert len(review_queue(desk, reasons=["undecided", "failed_generation"])) == 12
    assert review_queue(desk, reasons=["stale_reference"]) == []
    ranged = review_queue(desk, scene_from=2, scene_to=3)
    assert {i.scene_number for i in ranged} == {2, 3} and len(ranged) == 8
    assert [i.scene_number for i in review_queue(desk, scene_from=3)] == [3] * 4
    props = review_queue(desk, world["name"], asset_type="prop", scene_to=2)
    assert [(i.scene_number, i.asset_name) for i in props] == [(1, "Anchor"), (2, "Anchor")]
    with pytest.raises(InvalidInput, match="Unknown queue reason"):
        review_queue(desk, reasons=["bored"])
    with pytest.raises(InvalidInput, match="Unknown asset type"):
        review_queue(desk, asset_type="vehicle")


def test_counts_per_reason_per_scene_and_the_stamp(desk, world):
    pid, inst = world["project"], world["instances"]
    for n in (1, 2):
        for a, _ in ASSETS:
            add_generated(desk, inst[(n, a)], pid, 10 * n + len(a))
    # As-is fixes the reference it accepted (scene 1's image; choosing scene 1, the default,
    # would only follow it), so scene 1's new selection makes scene 2's Ann stale.
    set_use_master_as_is(desk, inst[(2, "Ann")], True, actor="ana")
    add_generated(desk, inst[(1, "Ann")], pid, 77)
    desk.use_provider(Refusing())
    [job] = queue_generation(desk, inst[(3, "Bay")], actor="ana")
    run_job(desk, job, "w1")
    counts = queue_counts(desk)
    assert counts == {
        "undecided": 4,
        "stale_reference": 1,
        "new_attempts": 0,
        "failed_generation": 1,
        "total": 5,
    }
    assert attention_by_scene(desk) == {world["scenes"][2]: 1, world["scenes"][3]: 4}
    stamp = attention_stamp(desk)
    assert attention_stamp(desk) == stamp
    set_use_master_as_is(desk, inst[(3, "Zed")], True, actor="ana")
    assert attention_stamp(desk) != stamp
    assert queue_counts(desk, world["name"])["total"] == 4


def test_counts_by_scene_cover_every_project(desk, world):
    other = build(desk, scenes=1, assets=(("Solo", "character"),), name="Other")
    by_scene = attention_by_scene(desk)
    assert by_scene[other["scenes"][1]] == 1 and by_scene[world["scenes"][1]] == 4
    assert [i.asset_name for i in review_queue(desk, "Other")] == ["Solo"]


def _queries(desk, fn) -> int:
    count = 0

    def hook(*_args, **_kwargs):
        nonlocal count
        count += 1

    event.listen(desk.engine, "before_cursor_execute", hook)
    try:
        fn()
    finally:
        event.remove(desk.engine, "before_cursor_execute", hook)
    return count


def _every_reason(desk, w, seed: int) -> None:
    """Decide most of `w`, leaving each reason at least once (so every batched read runs)."""
    pid, inst = w["project"], w["instances"]
    for k, ((n, _a), iid) in enumerate(sorted(inst.items())):
        if n > 1:
            add_generated(desk, iid, pid, seed + k)
    first = next(a for a, _ in ASSETS if (1, a) in inst)
    add_generated(desk, inst[(1, first)], pid, seed + 500)
    set_use_master_as_is(desk, inst[(2, first)], True, actor="ana")  # fixes scene 1's image,
    set_use_master_as_is(desk, inst[(2, first)], False, actor="ana")  # and keeps it when off
    add_generated(desk, inst[(1, first)], pid, seed + 501)  # stale in scene 2
    desk.use_provider(Refusing())
    [job] = queue_generation(desk, inst[(2, first)], actor="ana")
    run_job(desk, job, "w1")
    desk.use_provider(OfflineProvider())


def test_fixed_number_of_queries_whatever_the_size(desk):
    small = build(desk, scenes=2, assets=ASSETS[:2], name="Small")
    large = build(desk, scenes=6, assets=ASSETS, name="Large")
    _every_reason(desk, small, 1000)
    _every_reason(desk, large, 2000)
    for name in ("Small", "Large"):
        items = review_queue(desk, name)
        assert {r for i in items for r in i.reasons} >= {"undecided", "stale_reference"}
    counts = {
        name: _queries(desk, lambda name=name: review_queue(desk, name))
        for name in ("Small", "Large")
    }
    assert counts["Small"] == counts["Large"] <= 12, counts
    assert _queries(desk, lambda: attention_by_scene(desk)) <= 12
    assert _queries(desk, lambda: attention_stamp(desk)) <= 2
