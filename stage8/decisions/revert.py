"""Decision history of an instance, Revert to a past selection and Undo the last decision of a
scene, all through the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.finders import get_instance
from stage8.db.models import Attempt, DecisionEvent, SceneAssetInstance
from stage8.decisions import ledger
from stage8.decisions.attempts import AttemptChange, view_of
from stage8.decisions.events import instance_events
from stage8.decisions.use_master import apply_as_is
from stage8.decisions.versions import check_version
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound
from stage8.reviewers.roles import Actor, authorise


class NothingToUndo(DecisionConflict):
    """The scene has no decision left that undo can take back."""


def decision_history(desk: Desk, instance_id: int, limit: int = 50):
    """The instance's decision events, newest first."""
    with desk.read() as session:
        get_instance(session, instance_id)
        return instance_events(session, instance_id, limit=limit)


def revert_to(
    desk: Desk, event_id: int, *, actor: Actor, expected_version: int | None = None
) -> AttemptChange:
    """Go back to the selection a past event made; the revert is itself a new event.

    `expected_version`: the instance version the reviewer saw; StaleVersion when it moved on."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        event = session.get(DecisionEvent, event_id)
        target = (event.after or {}).get("selected_attempt_id") if event else None
        if event is None or event.instance_id is None or target is None:
            raise NotFound(f"Event {event_id} did not record a selection to go back to.")
        instance = get_instance(session, event.instance_id, for_update=True)
        check_version(session, instance.id, expected_version)
        attempt = session.get(Attempt, target)
        if attempt is None:
            raise NotFound("That attempt has been purged; it can no longer be selected.")
        if attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: restore it first."
            )
        if instance.selected_attempt_id == attempt.id:
            return AttemptChange(view_of(session, attempt), [], message="Already selected.")
        ledger.select(
            session,
            instance,
            attempt,
            actor=actor,
            kind="revert",
            reason=f"revert to the selection of event {event_id}",
            as_is=bool((event.after or {}).get("use_master_as_is")),
        )
        return AttemptChange(
            view_of(session, attempt),
            [],
            message=f"Reverted: attempt #{attempt.attempt_number} is selected again.",
        )


# Undo: the kinds a reviewer can take back from the scene page, newest first. An undo is itself an
# event that names the event it took back (`after["undoes"]`), so undo again walks further back
# instead of undoing the undo.
UNDOABLE = ("select", "revert", "pin", "unpin", "trash", "use_master", "use_master_off")
_UNDO_WINDOW = 200  # events read to find the newest one not undone yet


@dataclass(frozen=True)
class UndoResult:
    instance_id: int
    undone_event_id: int
    undone_kind: str
    message: str


def _last_undoable(session: Session, scene_id: int) -> DecisionEvent | None:
    events = session.scalars(
        select(DecisionEvent)
        .join(SceneAssetInstance, SceneAssetInstance.id == DecisionEvent.instance_id)
        .where(SceneAssetInstance.scene_id == scene_id)
        .order_by(DecisionEvent.id.desc())
        .limit(_UNDO_WINDOW)
    ).all()
    undone = {(e.after or {}).get("undoes") for e in events}
    for event in events:
        if event.id in undone or (event.after or {}).get("undoes") is not None:
            continue
        if event.kind in UNDOABLE:
            return event
    return None


def undo_last(desk: Desk, scene_id: int, *, actor: Actor) -> UndoResult:
    """Take back the newest decision of the scene not undone yet, as a new event of its own:
    a selection (or revert) selects the attempt selected before it, pin/unpin toggles back, a
    move to the trash restores the attempt, use master as-is on/off goes back. One transaction.

    NothingToUndo when the scene has no such decision; DecisionConflict when the earlier state
    can no longer be had (the attempt was purged or is in the trash)."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        event = _last_undoable(session, scene_id)
        if event is None:
            raise NothingToUndo("Nothing to undo: no decision in this scene can be taken back.")
        instance = get_instance(session, event.instance_id, for_update=True)
        message = _UNDO[event.kind](session, desk, instance, event, actor)
        session.flush()
        mark = session.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.instance_id == instance.id)
            .order_by(DecisionEvent.id.desc())
            .limit(1)
        ).one()
        mark.after = {**(mark.after or {}), "undoes": event.id}
        return UndoResult(instance.id, event.id, event.kind, message)


def _attempt(session: Session, attempt_id: int | None) -> Attempt:
    attempt = session.get(Attempt, attempt_id) if attempt_id is not None else None
    if attempt is None:
        raise DecisionConflict("That attempt has been purged: the decision cannot be undone.")
    return attempt


def _undo_selection(session, desk, instance, event, actor) -> str:
    previous = (event.before or {}).get("selected_attempt_id")
    if previous is None:
        raise DecisionConflict("Before that decision nothing was selected: nothing to go back to.")
    attempt = _attempt(session, previous)
    if attempt.trashed_at is not None:
        raise DecisionConflict(
            f"Attempt #{attempt.attempt_number} is in the trash: restore it first, then select it."
        )
    ledger.select(
        session,
        instance,
        attempt,
        actor=actor,
        kind="revert",
        reason=f"undo of event {event.id}",
        as_is=bool((event.before or {}).get("use_master_as_is")),
    )
    return f"Undone: attempt #{attempt.attempt_number} is selected again."


def _undo_pin(session, desk, instance, event, actor) -> str:
    attempt = _attempt(session, event.attempt_id)
    pinned = event.kind == "unpin"
    if pinned and attempt.trashed_at is not None:
        raise DecisionConflict(
            f"Attempt #{attempt.attempt_number} is in the trash: restore it before pinning it."
        )
    attempt.pinned = pinned
    ledger.record(
        session,
        instance,
        "pin" if pinned else "unpin",
        actor=actor,
        attempt=attempt,
        before={"pinned": not pinned},
        after={"pinned": pinned},
        reason=f"undo of event {event.id}",
    )
    state = "pinned" if pinned else "unpinned"
    return f"Undone: attempt #{attempt.attempt_number} is {state} again."


def _undo_trash(session, desk, instance, event, actor) -> str:
    attempt = _attempt(session, event.attempt_id)
    if attempt.trashed_at is None:
        raise DecisionConflict(f"Attempt #{attempt.attempt_number} is no longer in the trash.")
    ledger.restore(session, instance, [attempt], actor=actor, reason=f"undo of event {event.id}")
    return f"Undone: attempt #{attempt.attempt_number} is back from the trash."


def _undo_as_is_on(session, desk, instance, event, actor) -> str:
    before = ledger.decision_state(instance)
    previous = (event.before or {}).get("selected_attempt_id")
    instance.use_master_as_is = False
    reason = f"undo of event {event.id}"
    if previous is not None and previous != instance.selected_attempt_id:
        attempt = _attempt(session, previous)
        if attempt.trashed_at is None:
            ledger.select(
                session,
                instance,
                attempt,
                actor=actor,
                kind="use_master_off",
                reason=reason,
                before=before,
            )
            return f"Undone: use master as-is is off, attempt #{attempt.attempt_number} is back."
    ledger.record(
        session,
        instance,
        "use_master_off",
        actor=actor,
        before=before,
        after=ledger.decision_state(instance),
        reason=reason,
    )
    return "Undone: use master as-is is off."


def _undo_as_is_off(session, desk, instance, event, actor) -> str:
    apply_as_is(session, desk, instance, actor=actor, reason=f"undo of event {event.id}")
    return "Undone: use master as-is is on again."


_UNDO = {
    "select": _undo_selection,
    "revert": _undo_selection,
    "pin": _undo_pin,
    "unpin": _undo_pin,
    "trash": _undo_trash,
    "use_master": _undo_as_is_on,
    "use_master_off": _undo_as_is_off,
}
