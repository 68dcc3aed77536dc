"""The attempt ledger on SQLite and PostgreSQL: selection, events, cap, trash, pin, legacy."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from stage8.db.models import Attempt, DecisionEvent
from stage8.decisions.attempts import (
    add_attempt,
    list_attempts,
    restore_attempt,
    select_attempt,
    set_pinned,
    trash_attempt,
)
from stage8.decisions.events import instance_events
from stage8.errors import DecisionConflict, NotFound
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes, stored_image


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=2, assets=("Hero", "Villain"))


def _hero(world, scene=1):
    return world["instances"][(scene, "Hero")]


def test_first_attempt_is_selected_and_numbers_count_up(desk, world):
    iid = _hero(world)
    first = add_generated(desk, iid, world["project"], 1, select=False)
    second = add_generated(desk, iid, world["project"], 2, select=False)
    assert first.attempt.selected  # an instance with a live attempt always has one selected
    views = list_attempts(desk, iid)
    assert [v.attempt_number for v in views] == [2, 1]  # newest first
    assert [v.selected for v in views] == [False, True]
    assert second.attempt.cost_usd == Decimal("0.039")


def test_pick_the_first_try(desk, world):
    iid = _hero(world)
    ids = [add_generated(desk, iid, world["project"], s).attempt.id for s in (1, 2, 3)]
    assert list_attempts(desk, iid)[0].selected  # the newest, selected when made
    change = select_attempt(desk, ids[0], actor="ana", reason="first try was best")
    assert change.attempt.selected and change.attempt.attempt_number == 1
    selected = [v.id for v in list_attempts(desk, iid) if v.selected]
    assert selected == [ids[0]]
    with desk.tx() as s:
        event = instance_events(s, iid, limit=1)[0]
    assert event.kind == "select" and event.actor == "ana"
    assert event.before["selected_attempt_id"] == ids[2]
    assert event.after["selected_attempt_id"] == ids[0]
    assert event.reason == "first try was best"
    assert check(desk) == []


def test_select_is_atomic_with_its_event(desk, world, monkeypatch):
    iid = _hero(world)
    a = add_generated(desk, iid, world["project"], 1).attempt.id
    b = add_generated(desk, iid, world["project"], 2).attempt.id
    import stage8.decisions.ledger as mod  # every decision records its event through the ledger

    def broken(*args, **kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr(mod, "record_event", broken)
    with pytest.raises(RuntimeError):
        select_attempt(desk, a, actor="x")
    assert [v.id for v in list_attempts(desk, iid) if v.selected] == [b]


def test_selecting_across_instances_is_impossible(desk, world):
    hero_attempt = add_generated(desk, _hero(world), world["project"], 1).attempt.id
    from sqlalchemy.exc import IntegrityError

    from stage8.db.models import SceneAssetInstance

    with pytest.raises(IntegrityError), desk.tx() as s:
        villain = s.get(SceneAssetInstance, world["instances"][(1, "Villain")])
        villain.selected_attempt_id = hero_attempt
        s.flush()


def test_selected_attempt_cannot_be_trashed(desk, world):
    a = add_generated(desk, _hero(world), world["project"], 1).attempt
    with pytest.raises(DecisionConflict, match="selected"):
        trash_attempt(desk, a.id, actor="x")


def test_trash_restore_pin(desk, world):
    iid = _hero(world)
    a = add_generated(desk, iid, world["project"], 1).attempt
    b = add_generated(desk, iid, world["project"], 2).attempt
    assert trash_attempt(desk, a.id, actor="x").trashed
    assert [v.id for v in list_attempts(desk, iid)] == [b.id]
    assert len(list_attempts(desk, iid, include_trashed=True)) == 2
    with pytest.raises(DecisionConflict, match="trash"):
        select_attempt(desk, a.id, actor="x")
    assert not restore_attempt(desk, a.id, actor="x").trashed
    assert set_pinned(desk, a.id, True, actor="x").pinned
    with pytest.raises(DecisionConflict, match="pinned"):
        trash_attempt(desk, a.id, actor="x")
    kinds = [e.kind for e in _events(desk, iid)]
    assert kinds[:3] == ["pin", "restore", "trash"]


def _events(desk, iid):
    with desk.tx() as s:
        return instance_events(s, iid)


def test_cap_trashes_oldest_unprotected_and_reports_it(desk, world):
    iid = _hero(world)
    pid = world["project"]
    made = [add_generated(desk, iid, pid, s, select=False).attempt for s in range(1, 9)]
    # #1 is selected (first attempt); pin #2; the ninth attempt evicts #3, the oldest unprotected.
    set_pinned(desk, made[1].id, True, actor="x")
    ninth = add_generated(desk, iid, pid, 9, select=False)
    assert [e.attempt_number for e in ninth.evicted] == [3]
    assert "#3" in ninth.message and "trash" in ninth.message
    live = list_attempts(desk, iid)
    assert len(live) == 8
    assert 3 not in {v.attempt_number for v in live}
    trashed = [v for v in list_attempts(desk, iid, include_trashed=True) if v.trashed]
    assert [v.attempt_number for v in trashed] == [3]  # trashed, not destroyed
    assert check(desk) == []


def test_cap_is_a_setting(desk, world):
    from dataclasses import replace

    desk.settings = replace(desk.settings, attempt_cap=2)
    iid = _hero(world)
    for s in range(1, 5):
        add_generated(desk, iid, world["project"], s)
    assert len(list_attempts(desk, iid)) == 2


def test_cap_spares_images_used_as_reference_elsewhere(desk, world):
    from dataclasses import replace

    from stage8.db.models import SceneAssetInstance

    desk.settings = replace(desk.settings, attempt_cap=2)
    iid = _hero(world)
    first = add_generated(desk, iid, world["project"], 1).attempt
    second = add_generated(desk, iid, world["project"], 2).attempt
    with desk.tx() as s:  # scene 2 chose attempt #1's image as its reference
        other = s.get(SceneAssetInstance, _hero(world, 2))
        other.reference_image_id = first.image_id
        other.reference_scene_id = world["scenes"][1]
    third = add_generated(desk, iid, world["project"], 3)
    assert [e.id for e in third.evicted] == [second.id] or third.evicted == []
    assert first.id in {v.id for v in list_attempts(desk, iid)}


def test_nothing_is_trashed_when_the_new_attempt_fails(desk, world):
    from dataclasses import replace

    desk.settings = replace(desk.settings, attempt_cap=1)
    iid = _hero(world)
    add_generated(desk, iid, world["project"], 1)
    add_generated(desk, iid, world["project"], 2)  # evicts #1
    before = {v.id: v.trashed for v in list_attempts(desk, iid, include_trashed=True)}
    with pytest.raises(Exception):  # noqa: B017 - an image id that does not exist
        add_attempt(desk, iid, source="generated", image_id=999_999, actor="x")
    after = {v.id: v.trashed for v in list_attempts(desk, iid, include_trashed=True)}
    assert after == before


def test_legacy_attempts_are_labelled(desk, world):
    iid = _hero(world)
    image_id = stored_image(desk, world["project"], 5)
    change = add_attempt(desk, iid, source="legacy", image_id=image_id, actor="import")
    assert change.attempt.source == "legacy"
    assert change.attempt.source_label.startswith("Legacy")


def test_unknown_attempt_is_not_found(desk, world):
    with pytest.raises(NotFound):
        select_attempt(desk, 12345, actor="x")


def test_every_decision_writes_one_event(desk, world):
    iid = _hero(world)
    a = add_generated(desk, iid, world["project"], 1).attempt
    b = add_generated(desk, iid, world["project"], 2).attempt
    with desk.tx() as s:
        n0 = s.scalar(select(func.count()).select_from(DecisionEvent))
    select_attempt(desk, a.id, actor="x")
    set_pinned(desk, b.id, True, actor="x")
    set_pinned(desk, b.id, False, actor="x")
    trash_attempt(desk, b.id, actor="x")
    restore_attempt(desk, b.id, actor="x")
    with desk.tx() as s:
        n1 = s.scalar(select(func.count()).select_from(DecisionEvent))
        assert s.scalar(select(func.count()).select_from(Attempt)) == 2
    assert n1 - n0 == 5
