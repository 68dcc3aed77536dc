"""Decision history of an instance and Revert to a past selection."""

from __future__ import annotations

from stage8.db.finders import get_instance
from stage8.db.models import Attempt
from stage8.decisions.attempts import (
    AttemptChange,
    decision_state,
    effective_reference_image_id,
    move_selection,
    project_id_of,
    view_of,
)
from stage8.decisions.events import record_event
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound


def decision_history(desk: Desk, instance_id: int, limit: int = 50):
    """The instance's decision events, newest first."""
    from stage8.decisions.events import instance_events

    with desk.read() as session:
        get_instance(session, instance_id)
        return instance_events(session, instance_id, limit=limit)


def revert_to(desk: Desk, event_id: int, *, actor: str) -> AttemptChange:
    """Go back to the selection a past event made; the revert is itself a new event."""
    from stage8.db.models import DecisionEvent

    with desk.tx() as session:
        event = session.get(DecisionEvent, event_id)
        target = (event.after or {}).get("selected_attempt_id") if event else None
        if event is None or event.instance_id is None or target is None:
            raise NotFound(f"Event {event_id} did not record a selection to go back to.")
        instance = get_instance(session, event.instance_id, for_update=True)
        attempt = session.get(Attempt, target)
        if attempt is None:
            raise NotFound("That attempt has been purged; it can no longer be selected.")
        if attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: restore it first."
            )
        if instance.selected_attempt_id == attempt.id:
            return AttemptChange(view_of(session, attempt), [], message="Already selected.")
        before = decision_state(instance)
        move_selection(session, instance, attempt, human=True)
        if (event.after or {}).get("use_master_as_is") and attempt.source == "master_copy":
            ref = effective_reference_image_id(session, instance)
            instance.use_master_as_is = attempt.image_id == ref
        record_event(
            session,
            project_id=project_id_of(session, instance),
            kind="revert",
            actor=actor,
            instance_id=instance.id,
            attempt_id=attempt.id,
            before=before,
            after=decision_state(instance),
            reason=f"revert to the selection of event {event_id}",
        )
        return AttemptChange(
            view_of(session, attempt),
            [],
            message=f"Reverted: attempt #{attempt.attempt_number} is selected again.",
        )
