"""Fault injection: the store (or a row transaction) fails at each step of a cleanup and of an
upload; then the work is run again. Nothing protected is lost, no row points at a missing
object, and after the sweep no orphan is left."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import stage8.cleanup.apply
import stage8.cleanup.orphans
import stage8.decisions.uploads
from stage8.cleanup.apply import apply_cleanup, plan_cleanup
from stage8.cleanup.orphans import sweep_orphans
from stage8.db.column_types import utcnow
from stage8.db.models import Attempt
from stage8.decisions.attempts import select_attempt, set_pinned, trash_attempt
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.uploads import upload_images
from stage8.desk import Desk
from stage8.errors import StorageError
from stage8.images.objects import referenced_keys
from stage8.projects import delete_scene
from stage8.reads.integrity import check
from stage8.storage.base import StoredObject
from tests.builders import add_generated, png, project_with_scenes
from tests.integration.test_cleanup_properties import Fresh, protected
from tests.integration.test_retention import share, stored_image

LATER = timedelta(days=31)
SWEEP_LATER = timedelta(hours=2)


class FailingStore:
    """A real store whose `nth` call of `op` fails; a failing remove deletes its first key
    before failing, like a batch interrupted midway."""

    def __init__(self, inner) -> None:
        self.inner, self.name = inner, inner.name
        self.calls: Counter[str] = Counter()
        self.failing: tuple[str, int] | None = None

    def fail(self, op: str, nth: int) -> None:
        self.calls.clear()
        self.failing = (op, nth)

    def _due(self, op: str) -> bool:
        self.calls[op] += 1
        return self.failing == (op, self.calls[op])

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if self._due("put"):
            raise StorageError(f"injected: put {key}")
        self.inner.put(key, data, content_type)

    def get(self, key: str) -> bytes:
        if self._due("get"):
            raise StorageError(f"injected: get {key}")
        return self.inner.get(key)

    def exists(self, key: str) -> bool:
        if self._due("exists"):
            raise StorageError(f"injected: exists {key}")
        return self.inner.exists(key)

    def remove(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if self._due("remove"):
            self.inner.remove(keys[:1])
            raise StorageError(f"injected: remove {keys}")
        self.inner.remove(keys)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        if self._due("list"):
            raise StorageError(f"injected: list {prefix}")
        return self.inner.list(prefix)

    def signed_url(self, key: str, expires_in: int = 3600) -> str:
        return self.inner.signed_url(key, expires_in)


@pytest.fixture
def fresh(request, db_kind, tmp_path) -> Fresh:
    return Fresh(request, db_kind, tmp_path)


def wrap(desk: Desk) -> FailingStore:
    store = FailingStore(desk.store)
    desk.use_store(store)
    return store


def stored(desk: Desk) -> set[str]:
    return {o.key for o in desk.store.list("project_")}


def assert_consistent(desk: Desk, live: set[int], held: set[int]) -> None:
    """Invariants hold, and the attempts protected before the fault are all still there."""
    assert check(desk) == []
    with desk.tx() as s:
        rows = dict(s.execute(select(Attempt.id, Attempt.trashed_at)).all())
    assert all(a in rows and rows[a] is None for a in live)
    assert held <= set(rows)


def assert_no_orphans(desk: Desk) -> None:
    with desk.tx() as s:
        assert stored(desk) == referenced_keys(s)


def messy_world(desk: Desk) -> dict:
    """Shared images, a pinned, a chosen reference, a deleted scene, trash, and an old orphan."""
    world = project_with_scenes(desk, scenes=3)
    pid, inst = world["project"], world["instances"]
    first = [add_generated(desk, inst[(1, "Hero")], pid, s, select=s == 1) for s in (1, 2, 3, 4)]
    use_reference(desk, inst[(2, "Hero")], 1, actor="t")  # scene 1's #1 becomes protected
    select_attempt(desk, first[1].attempt.id, actor="t")
    set_pinned(desk, first[2].attempt.id, True, actor="t")
    image_id = stored_image(desk, pid, 20)
    share(desk, world, 1, image_id)
    shared = share(desk, world, 2, image_id)
    add_generated(desk, inst[(2, "Hero")], pid, 5, select=True)
    trash_attempt(desk, shared.id, actor="t")
    for s in (6, 7):
        add_generated(desk, inst[(3, "Hero")], pid, s)
    delete_scene(desk, world["scenes"][3], actor="t")
    old = f"project_{pid}/images/ff/orphan.png"
    desk.store.put(old, png(99), "image/png")
    past = (utcnow() - timedelta(hours=3)).timestamp()
    os.utime(desk.settings.storage_path / old, (past, past))
    desk.settings = replace(desk.settings, attempt_cap=2)
    apply_cleanup(desk, actor="t")  # over the cap and the deleted scene go to the trash
    return world


def count_removes(fresh: Fresh, monkeypatch) -> int:
    desk = fresh.desk()
    try:
        messy_world(desk)
        store = wrap(desk)
        result = apply_cleanup(desk, plan_cleanup(desk, now=utcnow() + LATER), actor="t")
        assert result.complete and result.purged and result.images_deleted
        return store.calls["remove"]
    finally:
        desk.dispose()


def test_storage_fails_at_each_remove_of_apply_then_rerun_finishes(fresh, monkeypatch):
    monkeypatch.setattr(stage8.cleanup.orphans, "REMOVE_BATCH", 1)  # one object per storage call
    removes = count_removes(fresh, monkeypatch)
    assert removes >= 6
    redone = 0
    for nth in range(1, removes + 1):
        desk = fresh.desk()
        try:
            messy_world(desk)
            live, held = protected(desk)
            store = wrap(desk)
            store.fail("remove", nth)
            result = apply_cleanup(desk, plan_cleanup(desk, now=utcnow() + LATER), actor="t")
            assert not result.complete and "injected" in result.errors[0]
            assert_consistent(desk, live, held)
            # Run again now: the leftovers are found through the purge events.
            again = apply_cleanup(desk, actor="t")
            assert again.complete
            redone += len(again.orphans_removed)
            assert_consistent(desk, live, held)
            assert_no_orphans(desk)
        finally:
            desk.dispose()
    assert redone >= removes  # reruns had real leftovers to remove


def test_listing_fails_while_planning_and_nothing_changes(desk):
    messy_world(desk)
    live, held = protected(desk)
    wrap(desk).fail("list", 1)
    with desk.tx() as s:
        before = set(s.scalars(select(Attempt.id)))
    with pytest.raises(StorageError):
        plan_cleanup(desk, now=utcnow() + LATER)
    with desk.tx() as s:
        assert set(s.scalars(select(Attempt.id))) == before
    apply_cleanup(desk, plan_cleanup(desk, now=utcnow() + LATER), actor="t")
    assert_consistent(desk, live, held)
    assert_no_orphans(desk)


def test_a_failing_purge_transaction_is_finished_by_the_next_run(desk, monkeypatch):
    messy_world(desk)
    live, held = protected(desk)
    real = stage8.cleanup.apply.purge_rows
    calls = Counter()

    def flaky(session, rows, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("DELETE", {}, Exception("injected: connection lost"))
        return real(session, rows, **kwargs)

    monkeypatch.setattr(stage8.cleanup.apply, "purge_rows", flaky)
    plan = plan_cleanup(desk, now=utcnow() + LATER)
    result = apply_cleanup(desk, plan, actor="t")
    assert not result.complete and len(result.purged) < len(plan.to_purge)
    assert_consistent(desk, live, held)
    again = apply_cleanup(desk, plan_cleanup(desk, now=utcnow() + LATER), actor="t")
    assert again.complete
    assert sorted(result.purged + again.purged) == sorted(p.attempt_id for p in plan.to_purge)
    assert_consistent(desk, live, held)
    assert_no_orphans(desk)


@pytest.mark.parametrize(
    ("fault", "nth"),
    [("put", 1), ("put", 2), ("put", 3), ("exists", 1), ("exists", 2), ("rows", 0)],
)
def test_upload_faults_leave_no_dangling_row_and_no_orphan_after_the_sweep(
    desk, monkeypatch, fault, nth
):
    world = project_with_scenes(desk, scenes=1)
    iid = world["instances"][(1, "Hero")]
    files = [("a.png", png(1)), ("b.png", png(2))]
    store = wrap(desk)
    if fault == "rows":
        store.fail("remove", 1)  # and the clean-up of the written objects fails too

        def broken(*args, **kwargs):
            raise OperationalError("INSERT", {}, Exception("injected: rows failed"))

        monkeypatch.setattr(stage8.decisions.uploads, "_write_rows", broken)
    else:
        store.fail(fault, nth)
    with pytest.raises((StorageError, OperationalError)):
        upload_images(desk, iid, files, actor="t")
    monkeypatch.undo()
    assert check(desk) == []
    sweep = sweep_orphans(desk, now=utcnow() + SWEEP_LATER)
    assert sweep.error is None
    assert_no_orphans(desk)
    report = upload_images(desk, iid, files, actor="t")  # a retry works
    assert len(report.stored) == 2 and check(desk) == []
    assert_no_orphans(desk)


def test_supabase_delete_failure_then_rerun(desk):
    from stage8.storage.supabase import SupabaseStore
    from tests.fakes.supabase_storage import FakeSupabaseStorage

    with FakeSupabaseStorage() as fake:
        store = SupabaseStore(fake.url, fake.key, "stage8")
        try:
            desk.use_store(store)
            world = project_with_scenes(desk, scenes=1)
            iid, pid = world["instances"][(1, "Hero")], world["project"]
            attempts = [add_generated(desk, iid, pid, s, select=s == 1) for s in (1, 2, 3)]
            for change in attempts[1:]:
                trash_attempt(desk, change.attempt.id, actor="t")
            live, held = protected(desk)
            fake.fail_next("DELETE", 500)
            result = apply_cleanup(desk, plan_cleanup(desk, now=utcnow() + LATER), actor="t")
            assert not result.complete and len(result.purged) == 2
            assert_consistent(desk, live, held)
            again = apply_cleanup(desk, actor="t")
            assert again.complete and again.orphans_removed
            assert_consistent(desk, live, held)
            assert_no_orphans(desk)
        finally:
            store.close()
