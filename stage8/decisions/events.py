"""The append-only decision log: one row per change of a decision, written in its transaction.

Rule owned here: recording an event on an instance bumps the instance's `version` once per
transaction (every decision records an event, so every decision bumps it exactly once), and the
event's `after` carries that version (and `version_checked` when the use case said whether the
decision was made against a version: see `stage8.decisions.versions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from stage8.db.column_types import utcnow
from stage8.db.models import DecisionEvent, SceneAssetInstance
from stage8.reviewers.roles import Actor, Identity

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
    "rate",
)
# The decisions a reviewer may give a reason code for (stage8.decisions.reasons).
REASONED_KINDS = frozenset({"select", "trash", "use_master_off"})


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
    reason_code: str | None = None
    role: str | None = None  # the actor's role when they decided (None: before roles existed)
    actor_source: str | None = None  # sign-in, typed, cli or worker


_BUMPED = "stage8.versions.bumped"
_CHECKED = "stage8.versions.checked"
_REASON_CODES = "stage8.reasons.codes"


def _this_transaction(session: Session, key: str) -> dict[int, Any]:
    """A dict kept in `session.info` for the session's current transaction only."""
    tx = session.get_transaction()
    kept = session.info.get(key)
    if kept is None or kept[0] is not tx:
        kept = (tx, {})
        session.info[key] = kept
    return kept[1]


def note_version_check(session: Session, instance_id: int, checked: bool) -> None:
    """Say whether this transaction's decision on the instance was made against a version."""
    _this_transaction(session, _CHECKED)[instance_id] = checked


def note_reason_code(session: Session, instance_id: int, code: str | None) -> None:
    """Give this transaction's reasoned decision on the instance a reason code (the code is
    checked by the caller: stage8.decisions.reasons.check_reason_code)."""
    _this_transaction(session, _REASON_CODES)[instance_id] = code


def bump_version(session: Session, instance_id: int) -> int:
    """The instance's version after this transaction's decision: + 1 the first time it is
    called in a transaction, the same number after that. The increment is done by the database
    (`version = version + 1`), so it is never lost even where the caller holds no row lock."""
    bumped = _this_transaction(session, _BUMPED)
    if instance_id not in bumped:
        version = session.execute(
            update(SceneAssetInstance)
            .where(SceneAssetInstance.id == instance_id)
            .values(version=SceneAssetInstance.version + 1)
            .returning(SceneAssetInstance.version)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        loaded = session.identity_map.get(session.identity_key(SceneAssetInstance, instance_id))
        if loaded is not None:
            set_committed_value(loaded, "version", version)
        bumped[instance_id] = version
    return bumped[instance_id]


def record_event(
    session: Session,
    *,
    project_id: int,
    kind: str,
    actor: Actor,
    instance_id: int | None = None,
    attempt_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> DecisionEvent:
    """Add an event to the caller's transaction, so it commits with the decision or not at all.

    An event on an instance bumps its version (once per transaction) and records it in `after`.
    An Identity as `actor` records their role and how the desk knew them (`actor_source`); a
    plain name (the demo seed, internal callers) records neither."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    if instance_id is not None:
        after = {**(after or {}), "version": bump_version(session, instance_id)}
        checked = _this_transaction(session, _CHECKED).get(instance_id)
        if checked is not None:
            after["version_checked"] = checked
    code = None
    if instance_id is not None and kind in REASONED_KINDS:
        code = _this_transaction(session, _REASON_CODES).get(instance_id)
    event = DecisionEvent(
        project_id=project_id,
        reason_code=code,
        instance_id=instance_id,
        attempt_id=attempt_id,
        kind=kind,
        actor=(actor.actor if isinstance(actor, Identity) else actor) or "unknown",
        role=actor.role if isinstance(actor, Identity) else None,
        actor_source=actor.source if isinstance(actor, Identity) else None,
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
        reason_code=event.reason_code,
        role=event.role,
        actor_source=event.actor_source,
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
