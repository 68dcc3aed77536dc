"""The storage preflight, and what the desk does with a Supabase key or bucket that cannot work:
one message naming the setting before any work, never a success it did not achieve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from stage8.cleanup.apply import apply_cleanup, purge_now
from stage8.config import Settings
from stage8.db.models import Attempt, Project
from stage8.decisions.attempts import trash_attempt
from stage8.desk import Desk, open_desk
from stage8.errors import StorageUnavailable
from stage8.images.objects import referenced_keys
from stage8.reads.integrity import check
from stage8.storage.preflight import PROBE_PREFIX, preflight
from stage8.storage.supabase import SupabaseStore
from tests.builders import add_generated, project_with_scenes
from tests.fakes.supabase_storage import FakeSupabaseStorage
from tests.integration.storage.helpers import BUCKET, keys_of
from tests.integration.storage.test_supabase import BROKEN_KEYS


def stored(fake: FakeSupabaseStorage) -> set[str]:
    return set(fake.buckets[BUCKET])


def test_a_working_store_passes_once_per_process_and_leaves_nothing(
    supabase_store: SupabaseStore,
    fake_supabase: FakeSupabaseStorage,
    open_store: Callable[..., SupabaseStore],
) -> None:
    preflight(supabase_store, force=True)
    methods = [method for method, _ in fake_supabase.requests]
    assert {"POST", "GET", "DELETE"} <= set(methods)  # list, write, read back, delete
    assert stored(fake_supabase) == set()
    fake_supabase.requests.clear()
    preflight(supabase_store)
    preflight(open_store(fake_supabase.url, fake_supabase.key, BUCKET))  # same identity
    assert fake_supabase.requests == []


def unusable(fake: FakeSupabaseStorage) -> dict[str, tuple[str, str, str]]:
    """case -> (key, bucket, the setting the message must name)."""
    cases = {
        "missing bucket": (fake.key, "no-such-bucket", "STAGE8_BUCKET"),
        "anon key": (fake.anon_key, BUCKET, "SUPABASE_KEY"),
    }
    for kind, (make_key, _) in BROKEN_KEYS.items():
        cases[f"{kind} key"] = (make_key(fake), BUCKET, "SUPABASE_KEY")
    return cases


CASES = ["missing bucket", "anon key", *(f"{kind} key" for kind in sorted(BROKEN_KEYS))]


@pytest.mark.parametrize("case", CASES)
def test_an_unusable_store_gets_one_message_naming_the_setting(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore], case: str
) -> None:
    key, bucket, setting = unusable(fake_supabase)[case]
    store = open_store(fake_supabase.url, key, bucket)
    with pytest.raises(StorageUnavailable, match=setting) as raised:
        preflight(store)
    message = str(raised.value)
    assert message.startswith(f"The desk cannot use bucket {bucket!r}: it could not ")
    assert key not in message and "Traceback" not in message
    if case == "anon key":
        assert "anon key" in message
    assert stored(fake_supabase) == set()
    with pytest.raises(StorageUnavailable):
        preflight(store)  # a failure is not remembered: the next open probes again


def supabase_settings(tmp_path: Path, fake: FakeSupabaseStorage, **overrides: str) -> Settings:
    values = {
        "home": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'desk.db'}",
        "storage": "supabase",
        "supabase_url": fake.url,
        "supabase_key": fake.key,
        "bucket": BUCKET,
    }
    return replace(Settings(), **{**values, **overrides})


def test_open_desk_stops_before_touching_the_database(
    tmp_path: Path, fake_supabase: FakeSupabaseStorage
) -> None:
    settings = supabase_settings(tmp_path, fake_supabase, bucket="no-such-bucket")
    with pytest.raises(StorageUnavailable, match="STAGE8_BUCKET"):
        open_desk(settings)
    assert not (tmp_path / "desk.db").exists()  # no migration ran
    desk = open_desk(supabase_settings(tmp_path, fake_supabase))
    try:
        assert isinstance(desk.store, SupabaseStore) and desk.store.bucket == BUCKET
    finally:
        desk.dispose()
        desk.store.close()


def test_check_reports_an_unusable_store_instead_of_every_object_missing(
    desk: Desk, fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    desk.use_store(open_store(fake_supabase.url, fake_supabase.key, BUCKET))
    world = project_with_scenes(desk, scenes=1)
    add_generated(desk, world["instances"][(1, "Hero")], world["project"], 1)
    assert check(desk) == []
    desk.use_store(open_store(fake_supabase.url, fake_supabase.anon_key, BUCKET))
    with pytest.raises(StorageUnavailable, match="SUPABASE_KEY"):
        check(desk)


def cli_env(fake: FakeSupabaseStorage, key: str, bucket: str = BUCKET) -> dict[str, str]:
    return {
        "STAGE8_STORAGE": "supabase",
        "SUPABASE_URL": fake.url,
        "SUPABASE_KEY": key,
        "STAGE8_BUCKET": bucket,
    }


@pytest.mark.parametrize("verb", [("check",), ("demo",), ("scenes",)])
def test_commands_stop_with_one_line_naming_the_bucket(
    desk: Desk, run, fake_supabase: FakeSupabaseStorage, verb: tuple[str, ...]
) -> None:
    done = run(*verb, **cli_env(fake_supabase, fake_supabase.key, "no-such-bucket"))
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: The desk cannot use bucket")
    assert "STAGE8_BUCKET" in lines[0] and fake_supabase.key not in done.stderr + done.stdout
    with desk.read() as session:
        assert session.scalar(select(Project.id)) is None  # demo did nothing


def trashed_world(desk: Desk, store: SupabaseStore) -> tuple[int, set[str]]:
    """A project on the Supabase store with one trashed attempt; its id and the objects."""
    desk.use_store(store)
    world = project_with_scenes(desk, scenes=1)
    iid, pid = world["instances"][(1, "Hero")], world["project"]
    add_generated(desk, iid, pid, 1)
    doomed = add_generated(desk, iid, pid, 2, select=False).attempt.id
    trash_attempt(desk, doomed, actor="t")
    return doomed, {o.key for o in store.list()}


def test_purge_with_the_anon_key_reports_failure_and_the_next_cleanup_finishes(
    desk: Desk, fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    good = open_store(fake_supabase.url, fake_supabase.key, BUCKET)
    doomed, before = trashed_world(desk, good)
    desk.use_store(open_store(fake_supabase.url, fake_supabase.anon_key, BUCKET))
    result = purge_now(desk, doomed, actor="t")
    assert result.error and "removed none of 5 objects" in result.error
    assert result.objects_removed == [] and result.bytes_freed == 0
    assert "could not be removed" in result.message
    assert stored(fake_supabase) == before  # every object stayed
    desk.use_store(good)
    again = apply_cleanup(desk, actor="t")
    assert again.complete and again.orphans_removed
    with desk.read() as session:
        assert stored(fake_supabase) == referenced_keys(session)
    assert check(desk) == []


def test_trash_purge_with_the_anon_key_keeps_rows_and_objects(
    desk: Desk, run, fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    doomed, before = trashed_world(desk, open_store(fake_supabase.url, fake_supabase.key, BUCKET))
    done = run("trash", "--purge", str(doomed), **cli_env(fake_supabase, fake_supabase.anon_key))
    assert done.returncode == 1
    assert "SUPABASE_KEY" in done.stderr and "purged" not in done.stdout
    with desk.read() as session:
        assert session.get(Attempt, doomed) is not None
    assert stored(fake_supabase) == before
    assert keys_of(desk.store, PROBE_PREFIX) == []


def test_trash_purge_that_leaves_objects_behind_fails(
    desk: Desk, run, fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    doomed, before = trashed_world(desk, open_store(fake_supabase.url, fake_supabase.key, BUCKET))
    fake_supabase.undeletable |= before  # the probe passes; the purge's objects stay
    done = run("trash", "--purge", str(doomed), **cli_env(fake_supabase, fake_supabase.key))
    assert done.returncode == 1, done.stdout
    assert "did not remove" in done.stderr and "bytes freed" not in done.stdout
    assert stored(fake_supabase) == before
