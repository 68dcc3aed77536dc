"""Roles enforced by the services themselves (issue 14, item 2), on SQLite and PostgreSQL: a
viewer is refused by every mutating service and a reviewer by the admin ones, with nothing
written; every event says the actor's role and how the desk knew them (sign-in, typed, cli,
worker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from stage8.cleanup.apply import apply_cleanup, purge_expired, purge_now
from stage8.db.models import Attempt, DecisionEvent, GenerationJob, Scene
from stage8.decisions.attempts import (
    add_attempt,
    restore_attempt,
    select_attempt,
    set_pinned,
    trash_attempt,
)
from stage8.decisions.events import instance_events
from stage8.decisions.ratings import rate_attempt
from stage8.decisions.reference_choice import follow_default, use_reference
from stage8.decisions.revert import revert_to, undo_last
from stage8.decisions.uploads import upload_images
from stage8.decisions.use_master import set_use_master_as_is, use_master_bulk
from stage8.errors import NotAllowed
from stage8.generation.run import queue_bulk, queue_generation, run_job
from stage8.projects import delete_scene, restore_scene
from stage8.reads.integrity import check
from stage8.reviewers.roles import Identity, add_reviewer, as_identity
from tests.builders import add_generated, png, project_with_scenes, stored_image

ADMIN = Identity("boss@studio.test", "Boss", "admin")
REVIEWER = Identity("rui@studio.test", "Rui", "reviewer")
VIEWER = Identity("vera@studio.test", "Vera", "viewer")


@pytest.fixture
def world(desk):
    world = project_with_scenes(desk, scenes=2, assets=("Hero", "Villain"))
    hero = world["instances"][(2, "Hero")]
    world["hero"] = hero
    world["ids"] = [add_generated(desk, hero, world["project"], s).attempt.id for s in (1, 2, 3)]
    select_attempt(desk, world["ids"][1], actor="setup")  # the event a revert goes back to
    select_attempt(desk, world["ids"][0], actor="setup")
    trash_attempt(desk, world["ids"][2], actor="setup")  # something in the trash
    # Villain's default reference in scene 2 is scene 1's image; choosing the master is a
    # reviewer's choice that "follow the default" can drop.
    add_generated(desk, world["instances"][(1, "Villain")], world["project"], 7)
    add_generated(desk, world["instances"][(1, "Hero")], world["project"], 8)  # same for Hero
    world["villain"] = world["instances"][(2, "Villain")]
    use_reference(desk, world["villain"], "master", actor="setup")
    with desk.read() as s:
        world["select_event"] = s.scalar(
            select(func.min(DecisionEvent.id)).where(
                DecisionEvent.instance_id == hero, DecisionEvent.kind == "select"
            )
        )
    return world


Service = Callable[[object, dict, Identity], object]

# Every mutating service, called as `who` on the world (the action a viewer may not do).
MUTATING: dict[str, Service] = {
    "select": lambda d, w, who: select_attempt(d, w["ids"][1], actor=who),
    "pin": lambda d, w, who: set_pinned(d, w["ids"][1], True, actor=who),
    "trash": lambda d, w, who: trash_attempt(d, w["ids"][1], actor=who),
    "restore": lambda d, w, who: restore_attempt(d, w["ids"][2], actor=who),
    "add attempt": lambda d, w, who: add_attempt(
        d, w["hero"], source="uploaded", image_id=stored_image(d, w["project"], 50), actor=who
    ),
    "upload": lambda d, w, who: upload_images(d, w["hero"], [("a.png", png(51))], actor=who),
    "use master as-is": lambda d, w, who: set_use_master_as_is(d, w["hero"], True, actor=who),
    "use master as-is, bulk": lambda d, w, who: use_master_bulk(d, [w["hero"]], actor=who),
    "reference": lambda d, w, who: use_reference(d, w["hero"], "master", actor=who),
    "revert": lambda d, w, who: revert_to(d, w["select_event"], actor=who),
    "generate": lambda d, w, who: queue_generation(d, w["hero"], actor=who),
    "generate, bulk": lambda d, w, who: queue_bulk(d, [w["hero"]], actor=who),
    "cleanup apply": lambda d, w, who: apply_cleanup(d, actor=who),
    "purge now": lambda d, w, who: purge_now(d, w["ids"][2], actor=who),
    "purge expired": lambda d, w, who: purge_expired(d, actor=who),
    "delete scene": lambda d, w, who: delete_scene(d, w["scenes"][1], actor=who),
    "restore scene": lambda d, w, who: restore_scene(d, w["scenes"][1], actor=who),
    "follow the default": lambda d, w, who: follow_default(d, w["villain"], actor=who),
    "rate": lambda d, w, who: rate_attempt(d, w["ids"][1], 4, actor=who),
    "undo": lambda d, w, who: undo_last(d, w["scenes"][2], actor=who),
}
ADMIN_ONLY = ("cleanup apply", "purge now", "purge expired", "delete scene", "restore scene")


def snapshot(desk) -> tuple:
    """Everything a decision could change: events, attempts' state, jobs, scenes."""
    with desk.read() as s:
        return (
            s.scalar(select(func.count()).select_from(DecisionEvent)),
            sorted(s.execute(select(Attempt.id, Attempt.pinned, Attempt.trashed_at)).all()),
            s.scalar(select(func.count()).select_from(GenerationJob)),
            sorted(s.execute(select(Scene.id, Scene.deleted_at)).all()),
        )


@pytest.mark.parametrize("service", sorted(MUTATING))
def test_a_viewer_is_refused_by_every_mutating_service_and_nothing_is_written(desk, world, service):
    before = snapshot(desk)
    with pytest.raises(NotAllowed) as refused:
        MUTATING[service](desk, world, VIEWER)
    message = str(refused.value)
    assert message.startswith("vera@studio.test is a viewer: only ")
    assert "Ask an admin of the desk" in message
    assert snapshot(desk) == before


@pytest.mark.parametrize("service", ADMIN_ONLY)
def test_a_reviewer_is_refused_admin_actions_that_an_admin_may_do(desk, world, service):
    if service == "restore scene":
        delete_scene(desk, world["scenes"][1], actor=ADMIN)
    before = snapshot(desk)
    with pytest.raises(NotAllowed, match=r"rui@studio\.test is a reviewer: only admins can "):
        MUTATING[service](desk, world, REVIEWER)
    assert snapshot(desk) == before
    MUTATING[service](desk, world, ADMIN)  # the same call as an admin goes through
    assert check(desk) == []


@pytest.mark.parametrize("service", sorted(set(MUTATING) - set(ADMIN_ONLY)))
def test_a_reviewer_may_make_every_decision(desk, world, service):
    before = snapshot(desk)
    MUTATING[service](desk, world, REVIEWER)
    assert snapshot(desk) != before
    assert check(desk) == []


def test_managing_reviewers_stays_admin_only(desk):
    with pytest.raises(NotAllowed, match="only admins can list, add or remove reviewers"):
        add_reviewer(desk, REVIEWER, "new@studio.test", "reviewer")


def events(desk, instance_id: int):
    with desk.read() as s:
        return instance_events(s, instance_id, limit=100)


def test_events_record_the_signed_in_identity_and_role(desk, world):
    hero, ids = world["hero"], world["ids"]
    select_attempt(desk, ids[1], actor=REVIEWER)
    set_pinned(desk, ids[1], True, actor=REVIEWER)
    newest = events(desk, hero)[:2]
    assert [(e.kind, e.actor, e.role, e.actor_source) for e in newest] == [
        ("pin", "rui@studio.test", "reviewer", "sign-in"),
        ("select", "rui@studio.test", "reviewer", "sign-in"),
    ]
    report = upload_images(desk, hero, [("mine.png", png(60))], actor=REVIEWER)
    with desk.read() as s:
        assert s.get(Attempt, report.stored[0].attempt_id).created_by == "rui@studio.test"


def test_a_typed_name_is_allowed_everything_and_says_so(desk, world):
    assert as_identity("  ana ") == Identity(None, "ana", "admin", "typed")
    select_attempt(desk, world["ids"][1], actor="ana")
    delete_scene(desk, world["scenes"][1], actor="ana")  # an admin action: allowed when typed
    event = events(desk, world["hero"])[0]
    assert (event.actor, event.role, event.actor_source) == ("ana", "admin", "typed")


def test_the_worker_acts_for_the_person_who_queued_the_job(desk, world):
    hero = world["hero"]
    [job_id] = queue_generation(desk, hero, actor=REVIEWER)
    run_job(desk, job_id, "worker-7")
    event = events(desk, hero)[0]
    assert event.kind == "generate"
    assert (event.actor, event.role, event.actor_source) == (
        "rui@studio.test",
        "reviewer",
        "worker",
    )
    with desk.read() as s:
        job = s.get(GenerationJob, job_id)
        assert job.requested_by == "rui@studio.test"
        assert s.get(Attempt, job.attempt_id).created_by == "rui@studio.test"


def test_the_command_line_decides_as_an_admin_operator(desk, world, run):
    hero, ids = world["hero"], world["ids"]
    done = run("select", "--attempt", str(ids[1]), "--actor", "ops")
    assert done.returncode == 0, done.stderr
    event = events(desk, hero)[0]
    assert (event.kind, event.actor, event.role, event.actor_source) == (
        "select",
        "ops",
        "admin",
        "cli",
    )
    done = run("trash", "--purge-expired")  # an admin action, by $USER
    assert done.returncode == 0, done.stderr
