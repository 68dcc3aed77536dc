"""A reason given after the decision (`reasons.explain`, the "Why?" bar), on both databases."""

from decimal import Decimal

import pytest

from stage8.decisions.attempts import select_attempt, set_pinned, trash_attempt
from stage8.decisions.events import instance_events
from stage8.decisions.ratings import rate_attempt
from stage8.decisions.reasons import awaiting_reason, explain
from stage8.decisions.use_master import set_use_master_as_is
from stage8.errors import DecisionConflict, InvalidInput, NotAllowed, NotFound
from stage8.reads.board import load_panel
from stage8.reviewers.roles import Identity
from tests.builders import add_generated, project_with_scenes

RUI = Identity("rui@studio.test", "Rui", "reviewer")
ANA = Identity("ana@studio.test", "Ana", "reviewer")
VERA = Identity("vera@studio.test", "Vera", "viewer")


@pytest.fixture
def three(desk):
    world = project_with_scenes(desk, scenes=1)
    iid, pid = world["instances"][(1, "Hero")], world["project"]
    ids = [
        add_generated(desk, iid, pid, 30 + i, select=i == 0, cost=Decimal("0.04")).attempt.id
        for i in range(3)
    ]
    return iid, ids


def _newest(desk, iid):
    with desk.read() as s:
        return instance_events(s, iid, limit=1)[0]


def _version(desk, iid):
    return load_panel(desk, iid).version


@pytest.mark.parametrize("decision", ["select", "trash", "use_master_off"])
def test_the_author_explains_their_latest_reasoned_decision(desk, three, decision):
    iid, (_a1, a2, a3) = three
    if decision == "use_master_off":
        set_use_master_as_is(desk, iid, True, actor=RUI)
    seen = _version(desk, iid)
    if decision == "select":
        select_attempt(desk, a2, actor=RUI, expected_version=seen)
    elif decision == "trash":
        trash_attempt(desk, a3, actor=RUI, expected_version=seen)
    else:
        set_use_master_as_is(desk, iid, False, actor=RUI, expected_version=seen)
    pending = awaiting_reason(desk, iid, actor=RUI, newer_than=seen)
    assert pending is not None and pending.kind == decision
    version = _version(desk, iid)

    message = explain(desk, pending.id, "  LIGHTING ", "too dark on the left", actor=RUI)

    assert message == "Reason recorded: lighting."
    event = _newest(desk, iid)
    assert (event.id, event.kind, event.reason_code) == (pending.id, decision, "lighting")
    assert event.reason == "too dark on the left"
    assert event.actor == "rui@studio.test"
    assert _version(desk, iid) == version  # a reason is not a new decision
    assert awaiting_reason(desk, iid, actor=RUI, newer_than=seen) is None  # given once


def test_a_decision_that_takes_no_reason_is_refused(desk, three):
    iid, (a1, _a2, _a3) = three
    seen = _version(desk, iid)
    set_pinned(desk, a1, True, actor=RUI)
    assert awaiting_reason(desk, iid, actor=RUI, newer_than=seen) is None
    pin = _newest(desk, iid)
    with pytest.raises(DecisionConflict, match="A pin decision takes no reason"):
        explain(desk, pin.id, "lighting", actor=RUI)
    assert _newest(desk, iid).reason_code is None


def test_only_the_person_who_decided_explains_it(desk, three):
    iid, (_a1, a2, _a3) = three
    seen = _version(desk, iid)
    select_attempt(desk, a2, actor=RUI)
    assert awaiting_reason(desk, iid, actor=ANA, newer_than=seen) is None
    event = _newest(desk, iid)
    with pytest.raises(NotAllowed, match=r"Only rui@studio\.test, who made this selection"):
        explain(desk, event.id, "composition", actor=ANA)
    assert _newest(desk, iid).reason_code is None


def test_a_reason_is_given_once(desk, three):
    iid, (_a1, _a2, a3) = three
    trash_attempt(desk, a3, actor=RUI, reason_code="anatomy or artefact")
    event = _newest(desk, iid)
    with pytest.raises(DecisionConflict, match=r"already has its reason \(anatomy or artefact\)"):
        explain(desk, event.id, "lighting", actor=RUI)
    assert _newest(desk, iid).reason_code == "anatomy or artefact"


def test_a_decision_that_is_no_longer_the_latest_is_refused(desk, three):
    iid, (a1, a2, _a3) = three
    select_attempt(desk, a2, actor=RUI)
    chosen = _newest(desk, iid)
    rate_attempt(desk, a1, 4, actor=RUI)  # any later decision on the asset
    with pytest.raises(DecisionConflict, match="decided again after this selection"):
        explain(desk, chosen.id, "lighting", actor=RUI)
    with desk.read() as s:
        assert all(e.reason_code is None for e in instance_events(s, iid))


def test_a_viewer_is_refused_and_nothing_changes(desk, three):
    iid, (_a1, a2, _a3) = three
    select_attempt(desk, a2, actor="vera@studio.test")  # the same name, typed, could decide
    event = _newest(desk, iid)
    with pytest.raises(NotAllowed, match="reviewers and admins"):
        explain(desk, event.id, "lighting", actor=VERA)
    assert _newest(desk, iid).reason_code is None


def test_unknown_codes_events_and_long_notes_are_refused(desk, three):
    iid, (_a1, a2, _a3) = three
    select_attempt(desk, a2, actor=RUI)
    event = _newest(desk, iid)
    with pytest.raises(InvalidInput, match="not a reason code"):
        explain(desk, event.id, "bad vibes", actor=RUI)
    with pytest.raises(InvalidInput, match="Choose a reason"):
        explain(desk, event.id, " ", actor=RUI)
    with pytest.raises(InvalidInput, match="at most 500 characters"):
        explain(desk, event.id, "other", "x" * 501, actor=RUI)
    with pytest.raises(NotFound):
        explain(desk, event.id + 1000, "other", actor=RUI)
    assert _newest(desk, iid).reason_code is None
