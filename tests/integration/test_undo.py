"""Undo the last decision of a scene (the scene page's "Undo"), on SQLite and PostgreSQL."""

import pytest

from stage8.db.finders import get_instance
from stage8.db.models import Attempt
from stage8.decisions import ledger
from stage8.decisions.attempts import list_attempts, select_attempt, set_pinned, trash_attempt
from stage8.decisions.events import instance_events
from stage8.decisions.revert import NothingToUndo, undo_last
from stage8.decisions.use_master import set_use_master_as_is
from stage8.errors import DecisionConflict
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=2, assets=("Hero", "Villain"))


def _three(desk, world, name="Hero", scene=1):
    iid = world["instances"][(scene, name)]
    ids = [add_generated(desk, iid, world["project"], s).attempt.id for s in (1, 2, 3)]
    return iid, ids


def _selected(desk, iid):
    return [a.id for a in list_attempts(desk, iid) if a.selected]


def test_undo_a_selection_selects_the_previous_attempt_again(desk, world):
    iid, ids = _three(desk, world)
    select_attempt(desk, ids[0], actor="ana")
    result = undo_last(desk, world["scenes"][1], actor="ana")
    assert _selected(desk, iid) == [ids[2]]
    assert result.undone_kind == "select" and "#3 is selected again" in result.message
    with desk.read() as s:
        newest = instance_events(s, iid, limit=1)[0]
    assert newest.kind == "revert" and newest.after["undoes"] == result.undone_event_id
    assert check(desk) == []


def test_undo_walks_back_and_never_undoes_an_undo(desk, world):
    iid, ids = _three(desk, world)
    select_attempt(desk, ids[0], actor="ana")  # 3 -> 1
    select_attempt(desk, ids[1], actor="ana")  # 1 -> 2
    scene = world["scenes"][1]
    undo_last(desk, scene, actor="ana")
    assert _selected(desk, iid) == [ids[0]]
    undo_last(desk, scene, actor="ana")
    assert _selected(desk, iid) == [ids[2]]
    with pytest.raises(NothingToUndo):  # generation is not a reviewer's decision to undo
        undo_last(desk, scene, actor="ana")


def test_undo_pin_unpin_and_trash(desk, world):
    iid, ids = _three(desk, world)
    scene = world["scenes"][1]
    set_pinned(desk, ids[0], True, actor="ana")
    undo_last(desk, scene, actor="ana")
    assert not any(a.pinned for a in list_attempts(desk, iid))
    set_pinned(desk, ids[1], True, actor="ana")
    set_pinned(desk, ids[1], False, actor="ana")
    undo_last(desk, scene, actor="ana")
    assert [a.id for a in list_attempts(desk, iid) if a.pinned] == [ids[1]]
    trash_attempt(desk, ids[0], actor="ana")
    assert ids[0] not in [a.id for a in list_attempts(desk, iid)]
    result = undo_last(desk, scene, actor="ana")
    assert "back from the trash" in result.message
    assert ids[0] in [a.id for a in list_attempts(desk, iid)]
    assert check(desk) == []


def test_undo_use_master_on_and_off(desk, world):
    iid, ids = _three(desk, world)
    scene = world["scenes"][1]
    set_use_master_as_is(desk, iid, True, actor="ana")
    undo_last(desk, scene, actor="ana")
    views = list_attempts(desk, iid)
    assert [a.id for a in views if a.selected] == [ids[2]]
    with desk.read() as s:
        assert instance_events(s, iid, limit=1)[0].after["use_master_as_is"] is False
    set_use_master_as_is(desk, iid, True, actor="ana")
    set_use_master_as_is(desk, iid, False, actor="ana")
    undo_last(desk, scene, actor="ana")
    with desk.read() as s:
        assert instance_events(s, iid, limit=1)[0].after["use_master_as_is"] is True
    assert check(desk) == []


def test_undo_takes_the_newest_decision_across_the_scene_only(desk, world):
    hero, hero_ids = _three(desk, world, "Hero")
    villain, villain_ids = _three(desk, world, "Villain")
    other, other_ids = _three(desk, world, "Hero", scene=2)
    select_attempt(desk, hero_ids[0], actor="ana")
    select_attempt(desk, villain_ids[0], actor="ana")
    select_attempt(desk, other_ids[0], actor="ana")  # scene 2: not touched by scene 1's undo
    undo_last(desk, world["scenes"][1], actor="ana")
    assert _selected(desk, villain) == [villain_ids[2]]
    assert _selected(desk, hero) == [hero_ids[0]]
    assert _selected(desk, other) == [other_ids[0]]


def test_undo_refuses_when_the_previous_attempt_left_for_the_trash(desk, world):
    iid, ids = _three(desk, world)
    select_attempt(desk, ids[0], actor="ana")  # 3 -> 1
    with desk.tx() as s:  # the cap moves #3 to the trash: not a reviewer's decision to undo
        instance = get_instance(s, iid, for_update=True)
        ledger.trash(s, instance, s.get(Attempt, ids[2]), actor="desk", kind="evict", why="cap")
    with pytest.raises(DecisionConflict, match="#3 is in the trash: restore it first"):
        undo_last(desk, world["scenes"][1], actor="ana")
    assert _selected(desk, iid) == [ids[0]]


def test_undo_with_nothing_to_undo_says_so(desk, world):
    with pytest.raises(NothingToUndo, match="Nothing to undo"):
        undo_last(desk, world["scenes"][1], actor="ana")
    assert issubclass(NothingToUndo, DecisionConflict)
