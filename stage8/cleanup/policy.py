"""The cleanup policy, as pure functions of attempt rows: what goes to the trash, what is purged,
and why (the reasons people read on the Storage and Trash pages and in the events).

No database here: rows are any objects with the fields of `cleanup.trash.attempt_rows`, and what
is protected comes in as a `Protection` (invariant 5, owned by `decisions.protection`), so the
same rules serve the plan, its re-check at apply time and fast unit tests.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from stage8.decisions.protection import Protection, cap_reason, hold_reason, over_cap


def deleted_scene_reason(scene_number: int) -> str:
    return f"scene {scene_number} was deleted"


def retention_reason(days: int) -> str:
    return f"trash retention of {days} days ended"


def trashed_reason(why: str) -> str:
    """What a trashed attempt keeps as its reason when the cleanup moved it."""
    return f"cleanup: {why}"


def trash_decisions(
    live: list[Any], *, cap: int, max_age_days: int, now: datetime, protection: Protection
) -> list[tuple[Any, str]]:
    """Which of one instance's live attempt rows (in attempt-number order) go to the trash,
    and why.

    A deleted scene's attempts all go, except pinned ones and ones with a protected image; its
    selected attempt goes only with the last of the others, so an instance with a live attempt
    always keeps a selection (invariant 1). In a live scene: unselected attempts older than
    `max_age_days` (0: no limit), then the oldest over the cap; held ones never.
    """
    if not live:
        return []
    first = live[0]
    selected = first.selected_attempt_id
    if first.deleted_at is not None:
        reason = deleted_scene_reason(first.scene_number)
        kept = {r.id for r in live if r.pinned or protection.reason(r.image_id, r.instance_id)}
        going = [r for r in live if r.id not in kept and (not kept or r.id != selected)]
        return [(r, reason) for r in going]

    def held(r: Any) -> bool:
        return hold_reason(r, protection) is not None

    out: list[tuple[Any, str]] = []
    if max_age_days > 0:
        limit = now - timedelta(days=max_age_days)
        why = f"unselected for more than {max_age_days} days"
        out = [(r, why) for r in live if not held(r) and r.created_at <= limit]
    aged = {r.id for r, _ in out}
    remaining = [r for r in live if r.id not in aged]
    return out + [(r, cap_reason(cap)) for r in over_cap(remaining, cap, held)]


def purge_decisions(
    trashed: list[Any], *, retention_days: int, now: datetime, protection: Protection
) -> list[Any]:
    """The trashed attempt rows whose retention has ended and that nothing holds."""
    limit = now - timedelta(days=retention_days)
    return [r for r in trashed if r.trashed_at <= limit and hold_reason(r, protection) is None]
