"""The pure rules of invariant 5 and the cleanup policy, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from stage8.cleanup.policy import purge_decisions, trash_decisions
from stage8.decisions.protection import Protection, cap_reason, hold_reason, over_cap

NOW = datetime(2026, 6, 1, tzinfo=UTC)
NOTHING = Protection({}, {}, {})


def row(id_: int, *, instance=1, image=None, selected=None, pinned=False, **more):
    """An attempt row as `cleanup.trash.attempt_rows` returns it (the fields policy reads)."""
    base = {
        "id": id_,
        "instance_id": instance,
        "image_id": image if image is not None else 100 + id_,
        "selected_attempt_id": selected,
        "pinned": pinned,
        "deleted_at": None,
        "scene_number": 3,
        "created_at": NOW - timedelta(days=1),
        "trashed_at": None,
    }
    return SimpleNamespace(**{**base, **more})


def test_protection_names_the_first_reason_and_ignores_the_instance_itself():
    p = Protection(
        masters={1: "Hero"},
        chosen={2: {10: 4, 11: 2}},
        selected={3: {10: 5}},
    )
    assert p.reason(1, 10) == "its image is the master image of Hero"
    assert p.reason(2, 10) == "scene 2 uses its image as the chosen reference"
    assert p.reason(2, 99) == "scene 2 uses its image as the chosen reference"
    assert p.reason(3, 10) is None  # its own selection is not a reference for another scene
    assert p.reason(3, 11) == "its image is selected in scene 5 (a default reference)"
    assert p.reason(4, 10) is None


def test_hold_reason_pinned_then_selected_then_protected_image():
    p = Protection({105: "Cup"}, {}, {})
    assert hold_reason(row(5, pinned=True, selected=5), p) == "it is pinned"
    assert hold_reason(row(5, selected=5), p) == "it is the selected image"
    assert hold_reason(row(5, selected=6), p) == "its image is the master image of Cup"
    assert hold_reason(row(7, selected=6), p) is None


def test_over_cap_takes_the_oldest_unheld_and_never_a_held_one():
    live = list(range(1, 7))  # attempt numbers, oldest first
    assert over_cap(live, 4, held=lambda n: False) == [1, 2]
    assert over_cap(live, 4, held=lambda n: n in (1, 3)) == [2, 4]
    assert over_cap(live, 6, held=lambda n: False) == []
    assert over_cap(live, 1, held=lambda n: n != 6) == [6]  # fewer when too many are held


def test_trash_decisions_in_a_live_scene_keep_the_cap_and_the_held():
    live = [row(i, selected=4, pinned=i == 1) for i in range(1, 6)]
    decided = trash_decisions(live, cap=3, max_age_days=0, now=NOW, protection=NOTHING)
    assert [(r.id, why) for r, why in decided] == [(2, cap_reason(3)), (3, cap_reason(3))]


def test_trash_decisions_age_limit_trashes_old_unselected_first():
    old = NOW - timedelta(days=40)
    live = [row(1, selected=2, created_at=old), row(2, selected=2, created_at=old), row(3)]
    decided = trash_decisions(live, cap=8, max_age_days=30, now=NOW, protection=NOTHING)
    assert [(r.id, why) for r, why in decided] == [(1, "unselected for more than 30 days")]


def test_a_deleted_scene_keeps_its_selection_while_anything_else_stays():
    gone = NOW - timedelta(days=2)
    p = Protection({103: "Hero"}, {}, {})
    live = [row(i, selected=2, deleted_at=gone, scene_number=7) for i in (1, 2, 3)]
    decided = trash_decisions(live, cap=8, max_age_days=0, now=NOW, protection=p)
    assert [(r.id, why) for r, why in decided] == [(1, "scene 7 was deleted")]
    decided = trash_decisions(live, cap=8, max_age_days=0, now=NOW, protection=NOTHING)
    assert [r.id for r, _ in decided] == [1, 2, 3]  # nothing stays: the selection goes too


def test_purge_decisions_wait_for_the_retention_and_skip_the_held():
    due, fresh = NOW - timedelta(days=31), NOW - timedelta(days=3)
    trashed = [
        row(1, trashed_at=due),
        row(2, trashed_at=fresh),
        row(3, trashed_at=due, pinned=True),
        row(4, trashed_at=due, image=900),
    ]
    p = Protection({}, {900: {2: 1}}, {})
    going = purge_decisions(trashed, retention_days=30, now=NOW, protection=p)
    assert [r.id for r in going] == [1]
