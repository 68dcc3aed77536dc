"""Decision history of an instance and Revert to a past selection (through the ledger)."""

from __future__ import annotations

from stage8.db.finders import get_instance
from stage8.db.models import Attempt, DecisionEvent
from stage8.decisions import ledger
from stage8.decisions.attempts import AttemptChange, view_of
from stage8.decisions.events import instance_events
from stage8.decisions.versions import check_version
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound
from stage8.reviewers.roles import Actor, authorise


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
