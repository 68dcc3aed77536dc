"""Reference choice (issue 13 item 6) on SQLite and PostgreSQL: following the default is its own
action, links sharing an image are one entry, a stale choice still names the image in use."""

import pytest
from sqlalchemy import func, select

from stage8.db.models import DecisionEvent, ProjectAsset
from stage8.decisions.attempts import add_attempt, list_attempts, select_attempt
from stage8.decisions.reference_choice import follow_default, use_reference
from stage8.decisions.references import reference_state
from stage8.decisions.use_master import set_use_master_as_is
from stage8.projects import add_asset, add_instance, add_scene, create_project
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=4, assets=("Hero",))


def _iid(world, n):
    return world["instances"][(n, "Hero")]


def _state(desk, iid):
    with desk.read() as s:
        return reference_state(s, iid)


def _reference_events(desk, iid) -> int:
    with desk.read() as s:
        return s.scalar(
            select(func.count())
            .select_from(DecisionEvent)
            .where(DecisionEvent.instance_id == iid, DecisionEvent.kind == "reference")
        )


def _master_image(desk, world) -> int:
    with desk.read() as s:
        return s.get(ProjectAsset, world["assets"]["Hero"]).image_id


def test_choosing_the_default_entry_never_records_a_reviewers_choice(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    iid = _iid(world, 3)
    # Scene 2 is the default: picking it while following the default changes nothing.
    same = use_reference(desk, iid, 2, actor="ana")
    assert not same.changed and same.state.is_default
    assert "Already following the default (Scene 2)" in same.message
    assert _reference_events(desk, iid) == 0
    # A real choice, then the default entry again: back to following, not "chosen".
    use_reference(desk, iid, 1, actor="ana")
    back = use_reference(desk, iid, 2, actor="ana")
    assert back.changed and back.state.is_default and back.state.chosen_image_id is None
    assert back.message == "Following the default reference (Scene 2)."
    assert _reference_events(desk, iid) == 2
    # Scene 2 later selects another image: the instance follows it, nothing goes stale.
    add_generated(desk, _iid(world, 2), pid, 22)
    later = _state(desk, iid)
    assert later.is_default and not later.stale and later.effective_scene_number == 2


def test_follow_default_is_an_action_of_its_own(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    iid = _iid(world, 3)
    nothing = follow_default(desk, iid, actor="ana")
    assert not nothing.changed and _reference_events(desk, iid) == 0
    use_reference(desk, iid, "master", actor="ana")
    change = follow_default(desk, iid, actor="ana")
    assert change.changed and change.state.is_default
    assert change.state.effective_index == change.state.default_index == 2
    with desk.read() as s:
        event = s.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.instance_id == iid)
            .order_by(DecisionEvent.id.desc())
        ).first()
    assert event.kind == "reference" and event.actor == "ana"
    assert event.before["default"] is False and event.after["default"] is True
    # Choosing the entry already chosen records nothing either.
    use_reference(desk, iid, 1, actor="ana")
    again = use_reference(desk, iid, 1, actor="ana")
    assert not again.changed and again.message == "Already using Scene 1."
    assert _reference_events(desk, iid) == 3


def test_default_marks_chosen_and_effective_apart(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    state = use_reference(desk, _iid(world, 4), 1, actor="ana").state
    assert [e.label for e in state.chain] == ["Master", "Scene 1", "Scene 2"]
    assert (state.default_index, state.chosen_index, state.effective_index) == (2, 1, 1)


def test_master_and_a_scene_sharing_its_image_are_one_entry(desk, world):
    pid = world["project"]
    master = _master_image(desk, world)
    add_attempt(desk, _iid(world, 1), source="master_copy", image_id=master, actor="t")
    add_generated(desk, _iid(world, 2), pid, 2)
    add_attempt(desk, _iid(world, 3), source="master_copy", image_id=master, actor="t")
    state = _state(desk, _iid(world, 4))
    # The master's image is used by scenes 1 and 3: one entry, where it was used last.
    assert [e.label for e in state.chain] == ["Scene 2", "Master = Scene 1, Scene 3"]
    assert state.chain[-1].source == "master" and state.chain[-1].scene_numbers == (1, 3)
    assert state.default_index == 1 and state.effective_image_id == master
    # Scene 1 reaches the same entry; choosing it is choosing the default: nothing recorded.
    assert not use_reference(desk, _iid(world, 4), 1, actor="ana").changed
    assert not use_reference(desk, _iid(world, 4), "master", actor="ana").changed
    # For scene 3 the master and scene 1 share it: one entry, and scene 2 is the default.
    third = _state(desk, _iid(world, 3))
    assert [e.label for e in third.chain] == ["Master = Scene 1", "Scene 2"]
    chosen = use_reference(desk, _iid(world, 3), 1, actor="ana").state
    assert chosen.chosen_index == 0 and chosen.effective_source == "master"


def test_consecutive_runs_of_one_image_read_as_a_range(desk):
    w = project_with_scenes(desk, scenes=5, assets=("Hero",))
    a = add_generated(desk, w["instances"][(1, "Hero")], w["project"], 1).attempt
    for n in (2, 3):
        add_attempt(
            desk, w["instances"][(n, "Hero")], source="master_copy", image_id=a.image_id, actor="t"
        )
    state = _state(desk, w["instances"][(5, "Hero")])
    assert [e.label for e in state.chain] == ["Master", "Scenes 1–3"]


def test_a_stale_choice_still_names_the_image_in_use(desk, world):
    pid = world["project"]
    first = add_generated(desk, _iid(world, 1), pid, 1).attempt
    add_generated(desk, _iid(world, 2), pid, 2)
    iid = _iid(world, 3)
    use_reference(desk, iid, 1, actor="ana")
    newer = add_generated(desk, _iid(world, 1), pid, 11).attempt  # scene 1 moves on
    state = _state(desk, iid)
    assert state.stale and state.chosen_index is None
    # Generation keeps using the image the reviewer chose; the chain shows scene 1's new one.
    assert state.effective_image_id == first.image_id
    assert state.effective_key is not None and state.effective_thumb_key is not None
    assert newer.image_id in {e.image_id for e in state.chain}
    assert follow_default(desk, iid, actor="ana").state.effective_scene_number == 2


def test_following_the_default_while_as_is_moves_the_copy_and_reports_evictions(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    iid = _iid(world, 3)
    for seed in range(30, 30 + desk.settings.attempt_cap - 1):
        add_generated(desk, iid, pid, seed)
    use_reference(desk, iid, 1, actor="ana")
    as_is = set_use_master_as_is(desk, iid, True, actor="ana")  # the copy fills the cap
    assert as_is.evicted == ()
    change = follow_default(desk, iid, actor="ana")
    # The default's copy is a new attempt over the cap: the oldest unheld one went to the trash.
    assert len(change.evicted) == 1
    live = list_attempts(desk, iid)
    assert len(live) == desk.settings.attempt_cap
    assert change.evicted[0] not in {a.id for a in live}
    selected = next(a for a in live if a.selected)
    assert selected.source == "master_copy"
    assert selected.image_id == change.state.effective_image_id


def test_selecting_elsewhere_keeps_a_followed_default(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    other = add_generated(desk, _iid(world, 2), pid, 3, select=False).attempt
    select_attempt(desk, other.id, actor="ana")
    state = _state(desk, _iid(world, 3))
    assert state.is_default and state.effective_image_id == other.image_id


def test_an_asset_without_master_follows_earlier_scenes(desk):
    pid = create_project(desk, "P")
    aid = add_asset(desk, pid, "Cup", "prop")
    s1 = add_instance(desk, add_scene(desk, pid, 1, "One"), aid, description="x")
    s2 = add_instance(desk, add_scene(desk, pid, 2, "Two"), aid, description="y")
    add_generated(desk, s1, pid, 4)
    state = _state(desk, s2)
    assert [e.label for e in state.chain] == ["Scene 1"] and state.is_default
    assert not follow_default(desk, s2, actor="ana").changed
