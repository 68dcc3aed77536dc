"""Reason codes: why a reviewer selected another attempt, moved one to the trash or turned
"use master as-is" off, from one configurable list (`STAGE8_REASON_CODES`).

Rules owned here: a code is one of the configured labels (compared without regard to case and
surrounding space, stored as configured); only the reasoned decisions (select, trash, as-is
off) carry one; it is stored on the decision's event (`decision_events.reason_code`) with the
optional free-text note in `reason`.

A reason may come with the decision (`give_reason`, the command line's `--reason-code`) or just
after it (`explain`, the review workspace's "Why?" bar: a decision never waits for its reason).
`explain` is the one change the append-only log allows to a written event, and only when all
of these hold: the event is a reasoned kind, it was made by the same person, it has no reason
code yet, and it is still the newest event of its instance (nothing was decided there since).
It fills the reason columns only: the decision itself, its time and the instance's version
stay as they were (a reason is not a new decision, so it never makes anyone's page stale).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stage8.db.finders import get_instance
from stage8.db.models import DecisionEvent
from stage8.decisions.events import REASONED_KINDS, EventView, note_reason_code, to_view
from stage8.desk import Desk
from stage8.errors import DecisionConflict, InvalidInput, NotAllowed, NotFound
from stage8.reviewers.roles import Actor, authorise

MAX_NOTE = 500  # characters of a note given with `explain`

# What each reasoned decision is called in a refusal or a question ("Why did you ...?").
_DECISION_WORDS = {
    "select": "selection",
    "trash": "move to the trash",
    "use_master_off": "turning off use master as-is",
}


def check_reason_code(desk: Desk, code: str | None) -> str | None:
    """The configured spelling of `code`; None for no code; InvalidInput for an unknown one."""
    if code is None or not code.strip():
        return None
    wanted = code.strip().casefold()
    for known in desk.settings.reason_codes:
        if known.casefold() == wanted:
            return known
    raise InvalidInput(
        f"{code!r} is not a reason code of this desk; use one of: "
        + ", ".join(desk.settings.reason_codes)
        + " (setting STAGE8_REASON_CODES)."
    )


def give_reason(session: Session, desk: Desk, instance_id: int, code: str | None) -> None:
    """Check `code` and attach it to this transaction's decision on the instance."""
    note_reason_code(session, instance_id, check_reason_code(desk, code))


def _newest_event_id(session: Session, instance_id: int) -> int | None:
    return session.scalar(
        select(func.max(DecisionEvent.id)).where(DecisionEvent.instance_id == instance_id)
    )


def explain(desk: Desk, event_id: int, code: str, note: str | None = None, *, actor: Actor) -> str:
    """Give a decision already made its reason code (and an optional note), after the fact.

    Refused (the rule in the module docstring): NotFound for an unknown event, DecisionConflict
    when the event is not a reasoned kind, already has a code or is no longer the instance's
    newest event, NotAllowed when another person made it or the actor may not decide. Returns
    the message to show."""
    who = authorise(actor, "decide")
    known = check_reason_code(desk, code)
    if known is None:
        raise InvalidInput("Choose a reason: one of " + ", ".join(desk.settings.reason_codes) + ".")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"A note is at most {MAX_NOTE} characters; this one has {len(note)}.")
    with desk.tx() as session:
        instance_id = session.scalar(
            select(DecisionEvent.instance_id).where(DecisionEvent.id == event_id)
        )
        if instance_id is None:
            raise NotFound(f"Decision {event_id} does not exist or concerns no asset.")
        get_instance(session, instance_id, for_update=True)  # serialised with new decisions
        event = session.get(DecisionEvent, event_id)
        if event.kind not in REASONED_KINDS:
            raise DecisionConflict(
                f"A {event.kind} decision takes no reason: only a selection, a move to the "
                "trash or turning off use master as-is does."
            )
        what = _DECISION_WORDS[event.kind]
        if event.actor != who.actor:
            raise NotAllowed(f"Only {event.actor}, who made this {what}, can give its reason.")
        if event.reason_code is not None:
            raise DecisionConflict(
                f"This {what} already has its reason ({event.reason_code}); a reason is given once."
            )
        if _newest_event_id(session, instance_id) != event.id:
            raise DecisionConflict(
                f"The asset was decided again after this {what}: give a reason with the "
                "decision that is current."
            )
        event.reason_code = known
        if note is not None:
            event.reason = f"{event.reason} — {note}" if event.reason else note
    return f"Reason recorded: {known}."


def awaiting_reason(
    desk: Desk, instance_id: int, *, actor: Actor, newer_than: int
) -> EventView | None:
    """The decision `explain` would accept from `actor` on the instance, made after the page
    showed version `newer_than`: its newest event when that is a reasoned kind by this actor
    with no code yet; else None (the decision made nothing new, or someone decided since)."""
    who = authorise(actor, "see")
    with desk.read() as session:
        newest = _newest_event_id(session, instance_id)
        event = session.get(DecisionEvent, newest) if newest is not None else None
        if event is None or event.kind not in REASONED_KINDS or event.reason_code is not None:
            return None
        if event.actor != who.actor or (event.after or {}).get("version", 0) <= newer_than:
            return None
        return to_view(event)


def question(event: EventView) -> str:
    """What the reason bar asks about the decision ("Why this move to the trash?")."""
    return f"Why this {_DECISION_WORDS.get(event.kind, 'decision')}?"
