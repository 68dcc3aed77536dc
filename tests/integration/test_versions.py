"""No silent overwrite (issue 14, item 3) on SQLite and PostgreSQL: every decision bumps the
instance's version once, and a decision made against an older version is refused, naming who
changed what and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stage8.cleanup.apply import apply_cleanup, purge_now
from stage8.db.models import SceneAssetInstance
from stage8.decisions.attempts import (
    list_attempts,
    restore_attempt,
    select_attempt,
    set_pinned,
    trash_attempt,
)
from stage8.decisions.events import instance_events
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.revert import revert_to
from stage8.decisions.uploads import upload_images
from stage8.decisions.use_master import set_use_master_as_is, use_master_bulk
from stage8.decisions.versions import StaleVersion
from stage8.errors import DecisionConflict
from stage8.generation.run import queue_generation, run_job
from stage8.projects import delete_scene, restore_scene
from stage8.reads.board import load_panel, scene_board
from stage8.reads.integrity import check
from tests.builders import add_generated, png, project_with_scenes


@pytest.fixture
def world(desk):
    world = project_with_scenes(desk, scenes=2, assets=("Hero", "Villain"))
    hero = world["instances"][(2, "Hero")]
    world["hero"] = hero
    world["ids"] = [add_generated(desk, hero, world["project"], s).attempt.id for s in (1, 2, 3)]
    return world


def version(desk, instance_id: int) -> int:
    with desk.read() as session:
        return session.scalar(
            select(SceneAssetInstance.version).where(SceneAssetInstance.id == instance_id)
        )


def latest_event(desk, instance_id: int):
    with desk.read() as session:
        return instance_events(session, instance_id, limit=1)[0]


def test_a_stale_version_is_refused_naming_who_changed_what(desk, world):
    hero, ids = world["hero"], world["ids"]
    seen = load_panel(desk, hero).version  # both reviewers look at the same page
    select_attempt(desk, ids[0], actor="ana@x.com", expected_version=seen)
    events_before = len(list(instance_events_of(desk, hero)))
    with pytest.raises(StaleVersion) as refused:
        select_attempt(desk, ids[1], actor="bob@x.com", expected_version=seen)
    exc = refused.value
    assert isinstance(exc, DecisionConflict)
    assert str(exc).startswith("ana@x.com selected #1 at ")
    assert " UTC; reload to see it" in str(exc)
    assert exc.current_version == seen + 1 and exc.expected_version == seen
    assert exc.latest_event.kind == "select" and exc.latest_event.actor == "ana@x.com"
    # Nothing of bob's decision was written: ana's selection stands, no event was added.
    assert [v.id for v in list_attempts(desk, hero) if v.selected] == [ids[0]]
    assert len(list(instance_events_of(desk, hero))) == events_before
    assert version(desk, hero) == seen + 1
    # "Replace with mine": the same decision with the version the conflict reported passes.
    change = select_attempt(desk, ids[1], actor="bob@x.com", expected_version=exc.current_version)
    assert change.attempt.selected and change.attempt.instance_version == seen + 2


def instance_events_of(desk, instance_id):
    with desk.read() as session:
        return instance_events(session, instance_id, limit=1000)


def test_the_right_version_passes_bumps_once_and_the_event_says_whether_it_was_checked(desk, world):
    hero, ids = world["hero"], world["ids"]
    board = scene_board(desk, 2)
    panel = next(p for p in board.panels if p.instance_id == hero)
    assert all(a.instance_version == panel.version for a in panel.attempts)
    change = select_attempt(desk, ids[0], actor="ana", expected_version=panel.version)
    assert change.attempt.instance_version == panel.version + 1 == version(desk, hero)
    event = latest_event(desk, hero)
    assert event.after["version"] == panel.version + 1
    assert event.after["version_checked"] is True
    select_attempt(desk, ids[1], actor="operator")  # the command line sends no version
    event = latest_event(desk, hero)
    assert event.after["version_checked"] is False and event.after["version"] == panel.version + 2
    # One upload of three files records several events but is one decision: one bump.
    now = version(desk, hero)
    report = upload_images(
        desk,
        hero,
        [(f"{n}.png", png(40 + n)) for n in (1, 2, 3)],
        actor="ana",
        expected_version=now,
    )
    assert len(report.stored) == 3 and report.version == now + 1 == version(desk, hero)
    assert {e.after["version"] for e in instance_events_of(desk, hero)[:3]} == {now + 1}


def test_every_kind_of_decision_bumps_the_version_once(desk, world):
    hero, ids, project = world["hero"], world["ids"], world["project"]
    scene = world["scenes"][2]

    def bumps(decide) -> None:
        before = version(desk, hero)
        decide()
        assert version(desk, hero) == before + 1, decide

    bumps(lambda: select_attempt(desk, ids[0], actor="a"))
    bumps(lambda: set_pinned(desk, ids[1], True, actor="a"))
    bumps(lambda: set_pinned(desk, ids[1], False, actor="a"))
    bumps(lambda: trash_attempt(desk, ids[2], actor="a"))
    bumps(lambda: restore_attempt(desk, ids[2], actor="a"))
    bumps(lambda: set_use_master_as_is(desk, hero, True, actor="a"))
    bumps(lambda: set_use_master_as_is(desk, hero, False, actor="a"))
    bumps(lambda: use_reference(desk, hero, "master", actor="a"))
    bumps(lambda: upload_images(desk, hero, [("u.png", png(77))], actor="a"))
    [job] = queue_generation(desk, hero, actor="a")
    bumps(lambda: run_job(desk, job, "worker-1"))  # the generation result
    select_event = next(e for e in instance_events_of(desk, hero) if e.kind == "select")
    bumps(lambda: revert_to(desk, select_event.id, actor="a"))
    trash_attempt(desk, ids[2], actor="a")
    bumps(lambda: purge_now(desk, ids[2], actor="a"))
    delete_scene(desk, scene, actor="a")
    bumps(lambda: apply_cleanup(desk, actor="a"))  # the deleted scene's attempts go to trash
    bumps(lambda: restore_scene(desk, scene, actor="a"))
    assert add_generated(desk, hero, project, 99).attempt.instance_version == version(desk, hero)
    assert check(desk) == []


def test_every_decision_service_refuses_a_stale_version(desk, world):
    hero, ids = world["hero"], world["ids"]
    select_attempt(desk, ids[0], actor="ana")
    trash_attempt(desk, ids[2], actor="ana")
    select_event = next(e for e in instance_events_of(desk, hero) if e.kind == "select").id
    stale = version(desk, hero) - 1
    decisions = [
        lambda v: select_attempt(desk, ids[1], actor="bob", expected_version=v),
        lambda v: set_pinned(desk, ids[1], True, actor="bob", expected_version=v),
        lambda v: trash_attempt(desk, ids[1], actor="bob", expected_version=v),
        lambda v: restore_attempt(desk, ids[2], actor="bob", expected_version=v),
        lambda v: set_use_master_as_is(desk, hero, True, actor="bob", expected_version=v),
        lambda v: use_reference(desk, hero, "master", actor="bob", expected_version=v),
        lambda v: upload_images(desk, hero, [("b.png", png(5))], actor="bob", expected_version=v),
        lambda v: revert_to(desk, select_event, actor="bob", expected_version=v),
    ]
    for decide in decisions:
        with pytest.raises(StaleVersion, match=r"^ana moved #3 to the trash at "):
            decide(stale)
    assert version(desk, hero) == stale + 1
    assert [e.actor for e in instance_events_of(desk, hero)][:2] == ["ana", "ana"]
    assert check(desk) == []


def test_bulk_as_is_reports_which_assets_were_skipped_for_a_stale_version(desk, world):
    hero, villain = world["hero"], world["instances"][(2, "Villain")]
    seen = {p.instance_id: p.version for p in scene_board(desk, 2).panels}
    select_attempt(desk, world["ids"][0], actor="ana")  # hero changes after the page was read
    results = use_master_bulk(desk, [hero, villain], actor="bob", versions=seen)
    by_id = {r.instance_id: r for r in results}
    assert by_id[hero].outcome == "skipped" and by_id[hero].stale
    assert by_id[hero].message.startswith("ana selected #1 at ")
    assert by_id[hero].version == seen[hero] + 1
    assert by_id[villain].outcome == "applied" and not by_id[villain].stale
    assert by_id[villain].version == seen[villain] + 1
    assert check(desk) == []
