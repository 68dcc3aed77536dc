"""Issue 14's Done-when test, on SQLite and PostgreSQL: eight threads decide on the same two
assets with the version they read before a random pause. None overwrites a newer decision: a
decision passes only against the version it was made on, every refused one is a DecisionConflict,
the successes are exactly the version bumps, and `check` stays clean. Each thread takes a fixed
number of steps; nothing is asserted about time."""

from __future__ import annotations

import random
import threading
import time
import traceback

import pytest

from stage8.decisions.attempts import select_attempt, set_pinned
from stage8.decisions.events import instance_events
from stage8.decisions.use_master import set_use_master_as_is
from stage8.errors import DecisionConflict
from stage8.reads.board import load_panel
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes

pytestmark = pytest.mark.slow

THREADS = 8
STEPS = 12  # per thread; after each success the same stale version is sent once more


def _decide(desk, panel, rng: random.Random, actor: str, version: int):
    """One decision that changes the state the panel showed; returns the version after it."""
    roll = rng.random()
    if roll < 0.15:
        on = not panel.use_master_as_is
        return set_use_master_as_is(
            desk, panel.instance_id, on, actor=actor, expected_version=version
        ).version
    others = [a for a in panel.attempts if not a.selected]
    if roll < 0.4 or not others:
        shown = rng.choice(panel.attempts)
        return set_pinned(
            desk, shown.id, not shown.pinned, actor=actor, expected_version=version
        ).instance_version
    change = select_attempt(desk, rng.choice(others).id, actor=actor, expected_version=version)
    return change.attempt.instance_version


def _reviewer(desk, instances: list[int], n: int, log: dict, lock: threading.Lock) -> None:
    rng = random.Random(n)
    actor = f"reviewer{n}@x.com"
    for _ in range(STEPS):
        iid = rng.choice(instances)
        panel = load_panel(desk, iid)  # what the page showed, with its version
        time.sleep(rng.uniform(0, 0.02))  # the reviewer looks before clicking
        try:
            after = _decide(desk, panel, rng, actor, panel.version)
        except DecisionConflict as exc:
            with lock:
                log["refused"].append((iid, panel.version, str(exc)))
            continue
        except Exception:
            with lock:
                log["errors"].append(traceback.format_exc())
            continue
        with lock:
            log["passed"].append((iid, panel.version, after))
        try:  # a second tab still showing the page: its version is now stale for certain
            _decide(desk, panel, rng, actor, panel.version)
        except DecisionConflict as exc:
            with lock:
                log["refused"].append((iid, panel.version, str(exc)))
                log["forced"] += 1
        else:
            with lock:
                log["errors"].append(f"a decision on {iid} at stale {panel.version} passed")


def test_eight_threads_with_stale_versions_never_overwrite_a_newer_decision(desk):
    world = project_with_scenes(desk, scenes=1, assets=("Hero", "Villain"))
    instances = list(world["instances"].values())
    for iid in instances:
        for seed in range(3):
            add_generated(desk, iid, world["project"], 10 * iid + seed)
    start = {iid: load_panel(desk, iid).version for iid in instances}
    log: dict = {"passed": [], "refused": [], "errors": [], "forced": 0}
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_reviewer, args=(desk, instances, n, log, lock))
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(t.is_alive() for t in threads)
    assert log["errors"] == []
    assert log["passed"] and log["forced"] == len(log["passed"])
    assert all(" UTC; reload to see it" in message for *_, message in log["refused"])
    end = {iid: load_panel(desk, iid).version for iid in instances}
    # Every success is exactly one bump, made on the version just before it: no decision was
    # made against an older state, so none overwrote a newer one.
    assert len(log["passed"]) == sum(end[i] - start[i] for i in instances)
    for iid in instances:
        mine = sorted((seen, after) for i, seen, after in log["passed"] if i == iid)
        assert mine == [(v, v + 1) for v in range(start[iid], end[iid])]
        with desk.read() as session:
            events = instance_events(session, iid, limit=10_000)
        checked = {e.after["version"] for e in events if e.after.get("version_checked")}
        assert checked == set(range(start[iid] + 1, end[iid] + 1))
    assert check(desk) == []
