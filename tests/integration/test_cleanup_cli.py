"""`python -m stage8 cleanup` and `trash` in a subprocess, against both databases."""

from __future__ import annotations

import json

import pytest

from stage8.decisions.attempts import list_attempts, trash_attempt
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def world(desk):
    world = project_with_scenes(desk, scenes=2)
    iid, pid = world["instances"][(1, "Hero")], world["project"]
    world["attempts"] = [add_generated(desk, iid, pid, s, select=s == 1) for s in (1, 2, 3, 4)]
    return world


def test_cleanup_dry_run_prints_the_plan_and_changes_nothing(run, desk, world):
    out = run("cleanup", STAGE8_ATTEMPT_CAP="2")
    assert out.returncode == 0, out.stderr
    assert "To the trash: 2 attempts ($0.078 of generation)" in out.stdout
    assert "Scene 1 · Hero #2" in out.stdout and "over the cap of 2" in out.stdout
    assert "Dry run: nothing changed" in out.stdout
    iid = world["instances"][(1, "Hero")]
    assert len(list_attempts(desk, iid)) == 4
    data = json.loads(run("cleanup", "--json", STAGE8_ATTEMPT_CAP="2").stdout)
    assert [p["attempt_number"] for p in data["to_trash"]] == [2, 3]
    assert data["cost_trashed_usd"] == "0.07800000" and data["bytes_freed"] == 0
    assert data["per_scene"][0]["to_trash"] == 2


def test_cleanup_apply_then_trash_list_restore_and_purge(run, desk, world):
    out = run("cleanup", "--apply", "--json", STAGE8_ATTEMPT_CAP="2")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["result"]["trashed"] == [p["attempt_id"] for p in data["plan"]["to_trash"]]
    assert data["result"]["complete"] is True and check(desk) == []
    listed = run("trash", "--list")
    assert listed.returncode == 0 and "Scene 1 · Hero #2" in listed.stdout
    assert "purge due" in listed.stdout
    items = json.loads(run("trash", "--list", "--json").stdout)
    assert [i["attempt_number"] for i in items] == [2, 3] and items[0]["held_reason"] is None
    back = run("trash", "--restore", str(items[0]["attempt_id"]))
    assert back.returncode == 0 and "back from the trash" in back.stdout
    gone = run("trash", "--purge", str(items[1]["attempt_id"]), "--json")
    assert gone.returncode == 0, gone.stderr
    assert json.loads(gone.stdout)["bytes_freed"] > 0
    assert check(desk) == []


def test_purge_expired_and_errors(run, desk, world):
    trash_attempt(desk, world["attempts"][1].attempt.id, actor="t")
    kept = run("trash", "--purge-expired")
    assert kept.returncode == 0 and "purged 0" in kept.stdout
    done = run("trash", "--purge-expired", "--json", STAGE8_TRASH_RETENTION_DAYS="0")
    assert json.loads(done.stdout)["purged"] == [world["attempts"][1].attempt.id]
    selected = world["attempts"][0].attempt.id
    refused = run("trash", "--purge", str(selected))
    assert refused.returncode == 1
    assert (
        refused.stderr.strip()
        == "error: Attempt #1 is not in the trash: move it to the trash first."
    )
    assert run("trash").returncode == 2  # one of --list/--restore/--purge/--purge-expired
    assert check(desk) == []
