"""`check` holds after the demo on both databases and reports each broken invariant."""

import pytest
from sqlalchemy import text, update

from stage8.db.models import Attempt, Image, SceneAssetInstance
from stage8.decisions.attempts import select_attempt, trash_attempt
from stage8.decisions.revert import revert_to
from stage8.demo.seed import seed_demo
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def world(desk):
    w = project_with_scenes(desk, scenes=2, assets=("Hero",))
    iid = w["instances"][(1, "Hero")]
    w["a1"] = add_generated(desk, iid, w["project"], 1).attempt
    w["a2"] = add_generated(desk, iid, w["project"], 2).attempt
    return w


def test_demo_passes_check(desk):
    result = seed_demo(desk)
    assert result.created
    assert check(desk) == []
    assert not seed_demo(desk).created  # idempotent


def test_unselected_instance_with_live_attempts_is_reported(desk, world):
    with desk.tx() as s:
        s.execute(update(SceneAssetInstance).values(selected_attempt_id=None))
    found = check(desk)
    assert any(v.invariant == 1 and "none selected" in v.message for v in found)


def test_selected_attempt_in_trash_is_reported(desk, world):
    with desk.tx() as s:
        s.execute(
            update(Attempt)
            .where(Attempt.id == world["a2"].id)
            .values(trashed_at=world["a2"].created_at)
        )
    assert any(v.invariant == 5 and "trash" in v.message for v in check(desk))


def test_as_is_flag_disagreeing_with_selection_is_reported(desk, world):
    with desk.tx() as s:
        s.execute(update(SceneAssetInstance).values(use_master_as_is=True))
    assert any(v.invariant == 3 for v in check(desk))


def test_missing_object_is_reported(desk, world):
    desk.store.remove([world["a1"].image_key])
    found = check(desk)
    assert any(v.invariant == 4 and world["a1"].image_key in v.message for v in found)


def test_pinned_attempt_in_trash_is_reported(desk, world):
    with desk.tx() as s:
        s.execute(
            update(Attempt)
            .where(Attempt.id == world["a1"].id)
            .values(pinned=True, trashed_at=world["a1"].created_at)
        )
    assert any(v.invariant == 5 and "pinned" in v.message for v in check(desk))


def test_purged_master_image_is_reported(desk, world):
    if desk.dialect == "postgresql":
        with desk.engine.begin() as conn:  # simulate a purge that ignored the foreign key
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE project_assets SET image_id = 987654"))
    else:
        with desk.engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("UPDATE project_assets SET image_id = 987654")
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        desk.engine.dispose()
    assert any(v.invariant == 5 and "purged" in v.message for v in check(desk))
    assert Image  # the row it pointed at is gone


def test_selection_of_another_instances_attempt_is_reported(desk):
    w = project_with_scenes(desk, scenes=1, assets=("Hero", "Villain"))
    hero = add_generated(desk, w["instances"][(1, "Hero")], w["project"], 1).attempt
    add_generated(desk, w["instances"][(1, "Villain")], w["project"], 2)
    if desk.dialect == "postgresql":
        with desk.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                text(
                    f"UPDATE scene_asset_instances SET selected_attempt_id = {hero.id} "
                    f"WHERE id = {w['instances'][(1, 'Villain')]}"
                )
            )
    else:
        with desk.engine.connect() as conn:
            conn.exec_driver_sql("COMMIT")
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql(
                f"UPDATE scene_asset_instances SET selected_attempt_id = "
                f"{hero.id} WHERE id = {w['instances'][(1, 'Villain')]}"
            )
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        desk.engine.dispose()
    assert any(v.invariant == 1 and "of instance" in v.message for v in check(desk))


def test_revert_restores_a_past_selection_as_a_new_event(desk, world):
    iid = world["instances"][(1, "Hero")]
    select_attempt(desk, world["a1"].id, actor="x")
    from stage8.decisions.revert import decision_history

    history = decision_history(desk, iid)
    past = next(
        e
        for e in history
        if e.kind in ("add_attempt",) and e.after["selected_attempt_id"] == world["a2"].id
    )
    change = revert_to(desk, past.id, actor="y")
    assert change.attempt.id == world["a2"].id and change.attempt.selected
    newest = decision_history(desk, iid)[0]
    assert newest.kind == "revert" and newest.actor == "y"
    with pytest.raises(Exception, match="trash"):
        select_attempt(desk, world["a1"].id, actor="x")
        trash_attempt(desk, world["a2"].id, actor="x")
        revert_to(desk, past.id, actor="y")


def test_check_command_exit_codes(desk, world, run):
    ok = run("check")
    assert ok.returncode == 0, ok.stderr
    with desk.tx() as s:
        s.execute(update(SceneAssetInstance).values(use_master_as_is=True))
    bad = run("check")
    assert bad.returncode == 1
    assert "invariant 3" in bad.stdout
