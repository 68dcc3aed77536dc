"""Transactions by structure: a use case commits everything or nothing, and readers never take
the write lock (issue 12, item 3), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

import stage8.projects
from stage8.cleanup.apply import apply_cleanup
from stage8.db.engine import READ_ONLY
from stage8.db.models import Attempt, DecisionEvent, Scene, SceneAssetInstance
from stage8.decisions.attempts import list_attempts, select_attempt, trash_attempt
from stage8.decisions.use_master import set_use_master_as_is
from stage8.errors import DecisionConflict
from stage8.generation.jobs import job_status
from stage8.generation.run import queue_generation
from stage8.projects import add_asset, add_instance, add_scene, create_project, delete_scene
from stage8.reads.integrity import check
from tests.builders import add_generated, png, project_with_scenes


def _count(desk, model, *where) -> int:
    with desk.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_an_instance_that_cannot_start_as_is_is_not_added(desk):
    pid = create_project(desk, "P")
    sid = add_scene(desk, pid, 1, "One")
    bare = add_asset(desk, pid, "Ghost", "character")  # no master image: nothing to use as-is
    with pytest.raises(DecisionConflict, match="no reference image"):
        add_instance(desk, sid, bare)
    assert _count(desk, SceneAssetInstance) == 0
    assert _count(desk, DecisionEvent) == 0
    # Given what it changes about the asset, the same instance can be added.
    assert add_instance(desk, sid, bare, description="a ghost in the hall") > 0


def test_restoring_a_scene_is_one_transaction(desk, monkeypatch):
    w = project_with_scenes(desk, scenes=2)
    iid = w["instances"][(2, "Hero")]
    add_generated(desk, iid, w["project"], 7)
    delete_scene(desk, w["scenes"][2], actor="t")
    apply_cleanup(desk, actor="t")  # the deleted scene's attempts go to the trash
    assert list_attempts(desk, iid) == []

    def crash(*args, **kwargs):
        raise RuntimeError("the process died between the scene and its attempts")

    monkeypatch.setattr(stage8.projects, "_restore_scene_attempts", crash)
    with pytest.raises(RuntimeError):
        stage8.projects.restore_scene(desk, w["scenes"][2], actor="t")
    # Nothing of the restore committed: the scene is still deleted, no event was written.
    assert _count(desk, Scene, Scene.deleted_at.is_not(None)) == 1
    assert _count(desk, DecisionEvent, DecisionEvent.kind == "scene_restore") == 0
    monkeypatch.undo()
    assert stage8.projects.restore_scene(desk, w["scenes"][2], actor="t") == 1
    assert [a.selected for a in list_attempts(desk, iid)] == [True]
    assert check(desk) == []


def test_using_a_trashed_master_copy_again_restores_it_with_an_event(desk):
    pid = create_project(desk, "P")
    hero = add_asset(desk, pid, "Hero", "character", image_bytes=png(1))
    iid = add_instance(desk, add_scene(desk, pid, 1, "One"), hero)  # starts as-is
    copy = next(a for a in list_attempts(desk, iid) if a.selected)
    other = add_generated(desk, iid, pid, 5).attempt  # selected: as-is turns off
    trash_attempt(desk, copy.id, actor="t")
    assert select_attempt(desk, other.id, actor="t").attempt.selected

    assert set_use_master_as_is(desk, iid, True, actor="t").attempt_id == copy.id
    with desk.read() as s:
        events = list(
            s.scalars(
                select(DecisionEvent)
                .where(DecisionEvent.instance_id == iid)
                .order_by(DecisionEvent.id.desc())
                .limit(2)
            )
        )
        trashed_at = s.scalar(select(Attempt.trashed_at).where(Attempt.id == copy.id))
    assert [e.kind for e in events] == ["use_master", "restore"]
    assert events[1].attempt_id == copy.id and events[1].after["trashed"] is False
    assert trashed_at is None
    assert check(desk) == []


class _Begins:
    """Records whether each transaction the engine begins is a read-only one."""

    def __init__(self, engine) -> None:
        self.engine, self.read_only = engine, []

    def _hook(self, conn) -> None:
        self.read_only.append(bool(conn.get_execution_options().get(READ_ONLY, False)))

    def __enter__(self) -> _Begins:
        event.listen(self.engine, "begin", self._hook)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "begin", self._hook)


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_polling_job_status_never_takes_the_write_lock(desk):
    w = project_with_scenes(desk, scenes=1)
    ids = queue_generation(desk, w["instances"][(1, "Hero")], actor="t", count=2)
    with _Begins(desk.engine) as begins:
        assert [v.id for v in job_status(desk, ids)] == ids
    assert begins.read_only == [True]  # one deferred BEGIN, never BEGIN IMMEDIATE


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_a_long_read_does_not_block_a_decision(desk):
    w = project_with_scenes(desk, scenes=1)
    iid = w["instances"][(1, "Hero")]
    first = add_generated(desk, iid, w["project"], 1).attempt.id
    second = add_generated(desk, iid, w["project"], 2).attempt.id
    query = select(SceneAssetInstance.selected_attempt_id).where(SceneAssetInstance.id == iid)
    with desk.read() as reader:
        assert reader.scalar(query) == second  # the read has its snapshot and holds it open
        # A reviewer's decision commits while the read is still open (a writer that had to
        # wait for it would fail with "database is locked" after the busy timeout).
        change = select_attempt(desk, first, actor="t")
        assert change.attempt.selected
        assert reader.scalar(query) == second  # the reader keeps its consistent snapshot
    with desk.read() as s:
        assert s.scalar(query) == first
