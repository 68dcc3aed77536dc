"""Reason codes on select / trash / as-is off, and 1-5 star ratings as events (both databases)."""

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from stage8.decisions.attempts import select_attempt, trash_attempt
from stage8.decisions.events import instance_events
from stage8.decisions.ratings import rate_attempt
from stage8.decisions.use_master import set_use_master_as_is
from stage8.decisions.versions import StaleVersion
from stage8.errors import InvalidInput
from stage8.reads.board import load_panel
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def three(desk):
    world = project_with_scenes(desk, scenes=1)
    iid, pid = world["instances"][(1, "Hero")], world["project"]
    ids = [
        add_generated(desk, iid, pid, 20 + i, select=i == 0, cost=Decimal("0.04")).attempt.id
        for i in range(3)
    ]
    return iid, ids


def _events(desk, iid):
    with desk.read() as s:
        return instance_events(s, iid)


def test_select_and_trash_carry_a_reason_code_and_a_note(desk, three):
    iid, (_, a2, a3) = three
    select_attempt(desk, a2, actor="ana", reason_code="Lighting", reason="too dark")
    trash_attempt(desk, a3, actor="ana", reason_code="face/identity drift")
    trash_event, select_event = _events(desk, iid)[:2]
    assert (select_event.kind, select_event.reason_code, select_event.reason) == (
        "select",
        "lighting",  # stored as configured, whatever the case typed
        "too dark",
    )
    assert (trash_event.kind, trash_event.reason_code) == ("trash", "face/identity drift")


def test_an_unknown_code_is_refused_and_changes_nothing(desk, three):
    iid, (a1, a2, _) = three
    before = len(_events(desk, iid))
    with pytest.raises(InvalidInput, match=r"not a reason code.*lighting"):
        select_attempt(desk, a2, actor="ana", reason_code="bad vibes")
    assert len(_events(desk, iid)) == before
    assert load_panel(desk, iid).selected.id == a1


def test_as_is_off_carries_a_code_but_on_does_not_take_one(desk, three):
    iid, _ = three
    set_use_master_as_is(desk, iid, True, actor="ana", reason_code="other")
    set_use_master_as_is(desk, iid, False, actor="ana", reason_code="wrong colour or palette")
    off, on = _events(desk, iid)[0], next(e for e in _events(desk, iid) if e.kind == "use_master")
    assert (off.kind, off.reason_code) == ("use_master_off", "wrong colour or palette")
    assert on.reason_code is None


def test_configured_codes_replace_the_default_list(desk, three):
    iid, (_, a2, _) = three
    desk.settings = replace(desk.settings, reason_codes=("blurry", "off-model"))
    with pytest.raises(InvalidInput, match="blurry, off-model"):
        select_attempt(desk, a2, actor="ana", reason_code="lighting")
    select_attempt(desk, a2, actor="ana", reason_code="OFF-MODEL")
    assert _events(desk, iid)[0].reason_code == "off-model"


def test_ratings_latest_wins_and_clearing_removes_it(desk, three):
    iid, (a1, a2, _) = three
    assert rate_attempt(desk, a1, 2, actor="ana") == "Attempt #1 rated 2 of 5."
    rate_attempt(desk, a2, 5, actor="bo")
    rate_attempt(desk, a1, 4, actor="bo")
    assert load_panel(desk, iid).ratings == {a1: 4, a2: 5}
    rate_attempt(desk, a2, None, actor="bo")
    assert load_panel(desk, iid).ratings == {a1: 4}
    newest = _events(desk, iid)[0]
    assert (newest.kind, newest.before, newest.after["stars"]) == ("rate", {"stars": 5}, None)


@pytest.mark.parametrize("stars", [0, 6, "5", 2.5])
def test_a_rating_outside_1_to_5_is_refused(desk, three, stars):
    with pytest.raises(InvalidInput, match="1 to 5 stars"):
        rate_attempt(desk, three[1][0], stars, actor="ana")


def test_a_rating_is_a_decision_with_a_version(desk, three):
    iid, (a1, _, _) = three
    seen = load_panel(desk, iid).version
    rate_attempt(desk, a1, 3, actor="ana", expected_version=seen)
    with pytest.raises(StaleVersion):
        rate_attempt(desk, a1, 1, actor="bo", expected_version=seen)
    assert load_panel(desk, iid).ratings == {a1: 3}


def test_cli_rate_and_select_with_reason_code(run, desk, three):
    iid, (_, a2, _) = three
    out = run("rate", "--attempt", str(a2), "--stars", "4")
    assert out.returncode == 0 and "rated 4 of 5" in out.stdout
    refused = run("select", "--attempt", str(a2), "--reason-code", "nope")
    assert refused.returncode == 1 and "not a reason code" in refused.stderr
    done = run("select", "--attempt", str(a2), "--reason-code", "composition")
    assert done.returncode == 0, done.stderr
    assert _events(desk, iid)[0].reason_code == "composition"
    assert run("rate", "--attempt", str(a2), "--stars", "9").returncode == 2
    assert json.loads(run("attempts", "--scene", "1", "--asset", "Hero", "--json").stdout)
