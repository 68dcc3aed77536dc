"""The master reference chain (issue 4) on SQLite and PostgreSQL."""

import pytest

from stage8.decisions.attempts import select_attempt
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.references import reference_state, reference_states
from stage8.projects import add_instance, add_scene, delete_scene, renumber_scene
from tests.builders import add_generated, project_with_scenes


def _state(desk, iid):
    with desk.tx() as s:
        return reference_state(s, iid)


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=4, assets=("Hero",))


def _iid(world, n):
    return world["instances"][(n, "Hero")]


def test_first_scene_defaults_to_master(desk, world):
    state = _state(desk, _iid(world, 1))
    assert [e.label for e in state.chain] == ["Master"]
    assert state.is_default and state.effective_source == "master"


def test_default_is_the_most_recent_earlier_scene_and_skips_gaps(desk, world):
    pid = world["project"]
    s1 = add_generated(desk, _iid(world, 1), pid, 1).attempt
    add_generated(desk, _iid(world, 2), pid, 2)  # scene 3 has no image: skipped
    state = _state(desk, _iid(world, 4))
    assert [e.label for e in state.chain] == ["Master", "Scene 1", "Scene 2"]
    assert state.default_index == 2 and state.effective_scene_number == 2
    assert state.chain[1].image_id == s1.image_id


def test_consecutive_equal_images_collapse(desk, world):
    pid = world["project"]
    a1 = add_generated(desk, _iid(world, 1), pid, 1).attempt
    from stage8.decisions.attempts import add_attempt

    add_attempt(desk, _iid(world, 2), source="master_copy", image_id=a1.image_id, actor="t")
    add_attempt(desk, _iid(world, 3), source="master_copy", image_id=a1.image_id, actor="t")
    state = _state(desk, _iid(world, 4))
    assert [e.label for e in state.chain] == ["Master", "Scenes 1–3"]
    assert state.chain[-1].scene_numbers == (1, 2, 3)


def test_use_this_reference_and_back_to_default(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    change = use_reference(desk, _iid(world, 3), 1, actor="ana")
    assert not change.state.is_default and change.state.effective_scene_number == 1
    assert change.state.effective_index == 1
    master = use_reference(desk, _iid(world, 3), "master", actor="ana").state
    assert master.effective_source == "master" and not master.is_default
    back = use_reference(desk, _iid(world, 3), "default", actor="ana").state
    assert back.is_default and back.effective_scene_number == 2


def test_stale_when_scene_deleted(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    use_reference(desk, _iid(world, 3), 1, actor="ana")
    delete_scene(desk, world["scenes"][1], actor="ana")
    state = _state(desk, _iid(world, 3))
    assert state.stale and state.stale_reason == "Scene 1 was deleted"
    assert state.effective_image_id is not None  # still readable meanwhile
    assert [e.label for e in state.chain] == ["Master", "Scene 2"]


def test_stale_when_scene_has_newer_image(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)  # so scene 1 is a choice, not the default
    use_reference(desk, _iid(world, 3), 1, actor="ana")
    add_generated(desk, _iid(world, 1), pid, 5)  # scene 1 selects a new image
    state = _state(desk, _iid(world, 3))
    assert state.stale_reason == "Scene 1 now has a newer image"


def test_stale_when_scene_renumbered_after(desk, world):
    pid = world["project"]
    add_generated(desk, _iid(world, 1), pid, 1)
    add_generated(desk, _iid(world, 2), pid, 2)
    use_reference(desk, _iid(world, 3), 1, actor="ana")  # not the default (scene 2)
    renumber_scene(desk, world["scenes"][1], 9)
    state = _state(desk, _iid(world, 3))
    assert state.stale_reason == "Scene 9 is no longer before this scene"


def test_choosing_a_scene_not_in_the_chain_is_refused(desk, world):
    from stage8.errors import NotFound

    with pytest.raises(NotFound, match="Scene 3"):
        use_reference(desk, _iid(world, 2), 3, actor="ana")


def test_generation_uses_the_effective_reference(desk, world):
    from stage8.db.models import GenerationJob
    from stage8.generation.run import queue_generation

    pid = world["project"]
    s1 = add_generated(desk, _iid(world, 1), pid, 1).attempt
    add_generated(desk, _iid(world, 2), pid, 2)
    use_reference(desk, _iid(world, 3), 1, actor="ana")
    job_ids = queue_generation(desk, _iid(world, 3), actor="ana")
    with desk.tx() as s:
        job = s.get(GenerationJob, job_ids[0])
        assert job.reference_image_id == s1.image_id


def test_chain_query_count_is_fixed(desk, count_queries):
    small = project_with_scenes(desk, scenes=3, assets=("Hero",))
    for n in (1, 2):
        add_generated(desk, small["instances"][(n, "Hero")], small["project"], n)
    from stage8.projects import create_project
    from tests.bulk_fixtures import build_scene  # noqa: F401 - same helpers as the benchmark

    big_pid = create_project(desk, "Big")
    from stage8.projects import add_asset
    from tests.builders import png

    hero = add_asset(desk, big_pid, "Hero", "character", image_bytes=png(7))
    last = None
    for n in range(1, 1001):
        sid = add_scene(desk, big_pid, n, f"S{n}") if n in (1, 2, 500, 999, 1000) else None
        if sid is None:
            continue
        last = add_instance(
            desk,
            sid,
            hero,
            apply_as_is_rule=n != 1000,
            description=None if n != 1000 else "changed",
        )
    _bulk_scenes(desk, big_pid, hero)
    with count_queries(desk.engine) as few, desk.tx() as s:
        reference_states(s, [small["instances"][(3, "Hero")]])
    with count_queries(desk.engine) as many, desk.tx() as s:
        state = reference_states(s, [last])[last]
    assert few.count == many.count
    assert len(state.chain) >= 2


def _bulk_scenes(desk, project_id, asset_id):
    """Fill scenes 3..998 with selected images of the asset, in bulk rows (fast)."""
    from stage8.db.column_types import utcnow
    from stage8.db.models import Attempt, Image, Scene, SceneAssetInstance

    with desk.tx() as s:
        image_id = s.query(Image.id).first()[0]
        for n in range(3, 999):
            if n == 500:
                continue
            scene = Scene(project_id=project_id, scene_number=n, title=f"S{n}", created_at=utcnow())
            s.add(scene)
            s.flush()
            inst = SceneAssetInstance(
                scene_id=scene.id,
                asset_id=asset_id,
                description="x",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            s.add(inst)
            s.flush()
            att = Attempt(
                instance_id=inst.id,
                attempt_number=1,
                source="generated",
                image_id=image_id,
                created_at=utcnow(),
                extra={},
            )
            s.add(att)
            s.flush()
            inst.selected_attempt_id = att.id


def test_select_attempt_keeps_default_following(desk, world):
    pid = world["project"]
    a = add_generated(desk, _iid(world, 1), pid, 1).attempt
    b = add_generated(desk, _iid(world, 1), pid, 2).attempt
    select_attempt(desk, a.id, actor="x")
    assert _state(desk, _iid(world, 2)).effective_image_id == a.image_id
    select_attempt(desk, b.id, actor="x")
    assert _state(desk, _iid(world, 2)).effective_image_id == b.image_id
