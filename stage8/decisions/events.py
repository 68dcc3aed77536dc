"""The append-only decision log: one row per change of a decision, written in its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import DecisionEvent

EVENT_KINDS = (
    "select",
    "revert",
    "add_attempt",
    "upload",
    "generate",
    "use_master",
    "use_master_off",
    "reference",
    "pin",
    "unpin",
    "trash",
    "restore",
    "evict",
    "cleanup",
    "purge",
    "scene_delete",
    "scene_restore",
)


@dataclass(frozen=True)
class EventView:
    id: int
    instance_id: int | None
    attempt_id: int | None
    kind: str
    actor: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    created_at: datetime


def record_event(
    session: Session,
    *,
    project_id: int,
    kind: str,
    actor: str,
    instance_id: int | None = None,
    attempt_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> DecisionEvent:
    """Add an event to the caller's transaction, so it commits with the decision or not at all."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    event = DecisionEvent(
        project_id=project_id,
        instance_id=instance_id,
        attempt_id=attempt_id,
        kind=kind,
        actor=actor or "unknown",
        before=before,
        after=after,
        reason=reason or None,
        created_at=utcnow(),
    )
    session.add(event)
    return event


def to_view(event: DecisionEvent) -> EventView:
    return EventView(
        id=event.id,
        instance_id=event.instance_id,
        attempt_id=event.attempt_id,
        kind=event.kind,
        actor=event.actor,
        before=event.before,
        after=event.after,
        reason=event.reason,
        created_at=event.created_at,
    )


def instance_events(session: Session, instance_id: int, limit: int = 100) -> list[EventView]:
    rows = session.scalars(
        select(DecisionEvent)
        .where(DecisionEvent.instance_id == instance_id)
        .order_by(DecisionEvent.id.desc())
        .limit(limit)
    )
    return [to_view(e) for e in rows]


def recent_events(
    session: Session, instance_ids: list[int], per_instance: int
) -> dict[int, list[EventView]]:
    """The newest `per_instance` events of each instance, in one query (a window function)."""
    if not instance_ids:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=DecisionEvent.instance_id, order_by=DecisionEvent.id.desc())
        .label("rank")
    )
    inner = (
        select(DecisionEvent.id, rank).where(DecisionEvent.instance_id.in_(instance_ids)).subquery()
    )
    rows = session.scalars(
        select(DecisionEvent)
        .join(inner, inner.c.id == DecisionEvent.id)
        .where(inner.c.rank <= per_instance)
        .order_by(DecisionEvent.instance_id, DecisionEvent.id.desc())
    )
    out: dict[int, list[EventView]] = {}
    for event in rows:
        out.setdefault(event.instance_id, []).append(to_view(event))
    return out
