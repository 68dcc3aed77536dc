"""Temporary files of the local store: a writer killed with SIGKILL leaves `.<name>.<random>.tmp`
behind; the orphan sweep removes it once it is older than the grace period, and never touches
the temporary file of a writer that is still writing, however old it looks."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from stage8.cleanup.apply import apply_cleanup, plan_cleanup
from stage8.cleanup.orphans import find_orphans, sweep_orphans
from stage8.db.column_types import utcnow
from stage8.projects import create_project
from stage8.storage.local import LocalStore

ROOT = Path(__file__).resolve().parents[2]
LATER = timedelta(hours=2)
DATA = b"\x89PNG half written" * 64

# Runs LocalStore.put in a child process up to the fsync of its temporary file, then: "kill"
# SIGKILLs itself there; "hold" says so on stdout and waits for stdin to close, then finishes.
_WRITER = """
import os, signal, sys
from stage8.storage.local import LocalStore

def stop(fd):
    if sys.argv[3] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    print("writing", flush=True)
    sys.stdin.read()

os.fsync = stop
LocalStore(sys.argv[1]).put(sys.argv[2], bytes.fromhex(sys.argv[4]), "image/png")
print("done", flush=True)
"""


def key_in(project_id: int) -> str:
    return f"project_{project_id}/images/ab/{'ab' * 32}.png"


def temporaries(store: LocalStore, key: str) -> list[Path]:
    folder = store.root.joinpath(*key.split("/")).parent
    return sorted(folder.glob(".*.tmp"))


def writer(store: LocalStore, key: str, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(store.root), key, mode, DATA.hex()],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def age(path: Path, hours: int) -> None:
    then = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


@pytest.fixture
def killed(desk) -> tuple[str, Path]:
    """A key whose writer was killed mid-write: its temporary file, and no object."""
    key = key_in(create_project(desk, "P"))
    child = writer(desk.store, key, "kill")
    child.communicate()
    assert child.returncode == -9
    [left] = temporaries(desk.store, key)
    assert left.read_bytes() == DATA and not desk.store.exists(key)
    return key, left


def test_the_sweep_removes_a_temporary_file_a_killed_writer_left(desk, killed) -> None:
    _, left = killed
    assert [o for o in find_orphans(desk) if o.reason == "temporary"] == []  # too young yet

    sweep = sweep_orphans(desk, now=utcnow() + LATER)

    assert [(o.reason, o.size) for o in sweep.removed] == [("temporary", len(DATA))]
    assert sweep.error is None
    assert not left.exists()


def test_the_cleanup_command_path_removes_it_too(desk, killed) -> None:
    _, left = killed
    age(left, 3)

    plan = plan_cleanup(desk)
    result = apply_cleanup(desk, plan, actor="ana")

    assert [o.reason for o in plan.orphans] == ["temporary"]
    assert result.errors == [] and not left.exists()


@pytest.mark.timeout(120)
def test_a_temporary_file_being_written_is_never_touched(desk) -> None:
    store = desk.store
    key = key_in(create_project(desk, "P"))
    child = writer(store, key, "hold")
    try:
        assert child.stdout.readline() == "writing\n"
        [busy] = temporaries(store, key)
        age(busy, 5)  # looks abandoned by its age alone

        found = [o for o in find_orphans(desk, now=utcnow() + LATER) if o.reason == "temporary"]
        sweep = sweep_orphans(desk, now=utcnow() + LATER)

        assert len(found) == 1  # seen, because it is old ...
        assert sweep.removed == [] and busy.exists()  # ... but its writer holds it
    finally:
        out, _ = child.communicate("")
    assert out == "done\n" and child.returncode == 0
    assert store.get(key) == DATA and temporaries(store, key) == []


def test_object_listing_still_hides_temporary_files(desk, killed) -> None:
    key, _ = killed
    store = desk.store

    assert list(store.list("project_")) == []
    assert [o.key for o in store.list_temporary("project_")] == [
        left.relative_to(store.root).as_posix() for left in temporaries(store, key)
    ]


@pytest.mark.parametrize(
    "key",
    ["project_1/images/ab/x.png", "../.x.png.abc.tmp", "project_1/../.x.tmp", ".tmp", "a/..tmp"],
)
def test_only_temporary_names_under_the_root_are_removed(tmp_path, key) -> None:
    store = LocalStore(tmp_path)

    assert not store.is_temporary(key)
    assert store.remove_temporary([key]) == []
