"""No silent overwrite: a decision made against an older version of an instance is refused.

Every decision bumps the instance's `version` once (`events.bump_version`, called for every
event). A page shows the version with the instance and sends it back as `expected_version`; the
use case calls `check_version` right after it locked the instance row, so the comparison and the
decision are one transaction. `None` (the command line, operators) decides without a check, and
the decision's events record `"version_checked": false`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, DecisionEvent, SceneAssetInstance
from stage8.decisions.events import EventView, note_version_check, to_view
from stage8.errors import DecisionConflict

# What the other person did, by event kind ("{n}": the attempt's "#number", or "an attempt").
_DID = {
    "select": "selected {n}",
    "revert": "went back to {n}",
    "add_attempt": "added {n}",
    "upload": "uploaded {n}",
    "generate": "added generated {n}",
    "use_master": "chose to use the master reference as-is",
    "use_master_off": "turned off use master as-is",
    "reference": "changed the master reference",
    "pin": "pinned {n}",
    "unpin": "unpinned {n}",
    "trash": "moved {n} to the trash",
    "restore": "restored {n} from the trash",
    "evict": "moved {n} to the trash (attempt cap)",
    "cleanup": "moved {n} to the trash in a cleanup",
    "purge": "purged {n}",
}
_RECENT = 20  # events looked at to find the decision that made the current version


class StaleVersion(DecisionConflict):
    """The instance changed since the person looked at it. `current_version` is what to send
    back to decide again ("Replace with mine"); `latest_event` is the decision that won."""

    def __init__(
        self,
        message: str,
        *,
        instance_id: int,
        expected_version: int,
        current_version: int,
        latest_event: EventView | None,
        summary: str | None = None,
    ) -> None:
        super().__init__(message)
        self.summary = summary  # "Ana selected #7 at 14:02" (None when no event says who)
        self.instance_id = instance_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.latest_event = latest_event


def check_version(session: Session, instance_id: int, expected_version: int | None) -> None:
    """Refuse with StaleVersion when `expected_version` is given and is not the instance's
    version. Call it with the instance row locked, before changing anything."""
    note_version_check(session, instance_id, expected_version is not None)
    if expected_version is None:
        return
    current = session.scalar(
        select(SceneAssetInstance.version).where(SceneAssetInstance.id == instance_id)
    )
    if current == expected_version:
        return
    event = _deciding_event(session, instance_id, current)
    summary = _summary(session, event)
    raise StaleVersion(
        f"{summary}; reload to see it, then decide again."
        if summary
        else "This asset was changed since you loaded it; reload to see it, then decide again.",
        instance_id=instance_id,
        expected_version=expected_version,
        current_version=current,
        latest_event=event,
        summary=summary,
    )


def _deciding_event(session: Session, instance_id: int, version: int) -> EventView | None:
    """The event that stands for the decision that made `version`: of that decision's events
    (they share the version), the newest that is not a cap eviction."""
    recent = [
        to_view(e)
        for e in session.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.instance_id == instance_id)
            .order_by(DecisionEvent.id.desc())
            .limit(_RECENT)
        )
    ]
    same = [e for e in recent if (e.after or {}).get("version") == version]
    chosen = next((e for e in same if e.kind != "evict"), None)
    return chosen or (same[0] if same else recent[0] if recent else None)


def _summary(session: Session, event: EventView | None) -> str | None:
    """Who changed what, when: "Ana selected #7 at 14:02 UTC"."""
    if event is None:
        return None
    did = _DID.get(event.kind, f"made a {event.kind} decision").format(
        n=_attempt_label(session, event)
    )
    return f"{event.actor} {did} at {_when(event.created_at)}"


def _attempt_label(session: Session, event: EventView) -> str:
    number = (event.after or {}).get("attempt_number") or (event.before or {}).get("attempt_number")
    attempt_id = event.attempt_id or (event.after or {}).get("selected_attempt_id")
    if number is None and attempt_id is not None:
        number = session.scalar(select(Attempt.attempt_number).where(Attempt.id == attempt_id))
    return f"#{number}" if number is not None else "an attempt"


def _when(moment: datetime) -> str:
    if moment.date() == utcnow().date():
        return moment.strftime("%H:%M UTC")
    return moment.strftime("%H:%M UTC on %d %b %Y")
