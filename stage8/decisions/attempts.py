"""A reviewer's decisions on one attempt: select, pin, trash, restore, add; one transaction each.

Every function locks the instance row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite write
transactions start with BEGIN IMMEDIATE) and changes rows only through the ledger, so attempt
numbers stay unique and the selection pointer, the attempt rows and the decision event commit
together (invariant 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.finders import get_instance
from stage8.db.models import Attempt, SceneAssetInstance
from stage8.decisions import ledger
from stage8.decisions.reasons import give_reason
from stage8.decisions.versions import check_version
from stage8.decisions.views import AttemptView, attempt_views
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound
from stage8.reviewers.roles import Actor, authorise


@dataclass(frozen=True)
class AttemptChange:
    """What a decision did: the attempt it concerns and any attempt the cap moved to the trash."""

    attempt: AttemptView
    evicted: list[AttemptView]
    reused: bool = False
    message: str = ""


def _load_attempt(session: Session, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(f"Attempt {attempt_id} does not exist (it may have been purged).")
    return attempt


def _locked(
    session: Session, attempt_id: int, expected_version: int | None
) -> tuple[Attempt, SceneAssetInstance]:
    """The attempt and its instance, the instance row locked and its version checked."""
    instance_id = session.scalar(select(Attempt.instance_id).where(Attempt.id == attempt_id))
    if instance_id is None:
        raise NotFound(f"Attempt {attempt_id} does not exist (it may have been purged).")
    instance = get_instance(session, instance_id, for_update=True)
    check_version(session, instance_id, expected_version)
    return _load_attempt(session, attempt_id), instance


def view_of(session: Session, attempt: Attempt) -> AttemptView:
    session.flush()
    return attempt_views(session, [attempt.instance_id], attempt_ids=[attempt.id])[0]


def select_attempt(
    desk: Desk,
    attempt_id: int,
    *,
    actor: Actor,
    reason: str | None = None,
    reason_code: str | None = None,
    expected_version: int | None = None,
) -> AttemptChange:
    """Make the attempt the one used for its instance, with a decision event, atomically.

    `expected_version`: the instance version the reviewer saw; StaleVersion when it moved on."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id, expected_version)
        if attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: "
                "restore it before selecting it."
            )
        if instance.selected_attempt_id == attempt.id:
            return AttemptChange(view_of(session, attempt), [], message="Already selected.")
        give_reason(session, desk, instance.id, reason_code)
        ledger.select(session, instance, attempt, actor=actor, reason=reason)
        return AttemptChange(
            view_of(session, attempt), [], message=f"Attempt #{attempt.attempt_number} selected."
        )


def set_pinned(
    desk: Desk,
    attempt_id: int,
    pinned: bool,
    *,
    actor: Actor,
    expected_version: int | None = None,
) -> AttemptView:
    """Pin (protect from the cap and cleanup) or unpin an attempt (StaleVersion: see select)."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id, expected_version)
        if pinned and attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: restore it before pinning it."
            )
        if attempt.pinned != pinned:
            attempt.pinned = pinned
            ledger.record(
                session,
                instance,
                "pin" if pinned else "unpin",
                actor=actor,
                attempt=attempt,
                before={"pinned": not pinned},
                after={"pinned": pinned},
            )
        return view_of(session, attempt)


def trash_attempt(
    desk: Desk,
    attempt_id: int,
    *,
    actor: Actor,
    reason: str | None = None,
    reason_code: str | None = None,
    expected_version: int | None = None,
) -> AttemptView:
    """Move an attempt to the trash (restorable). The selected attempt cannot be trashed.
    `reason_code`: one of STAGE8_REASON_CODES (stage8.decisions.reasons), `reason` a note."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id, expected_version)
        if instance.selected_attempt_id == attempt.id:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is the selected image: select another "
                "attempt first, then move this one to the trash."
            )
        if attempt.pinned:
            raise DecisionConflict(f"Attempt #{attempt.attempt_number} is pinned: unpin it first.")
        if attempt.trashed_at is None:
            give_reason(session, desk, instance.id, reason_code)
            why = reason or "moved to trash by a reviewer"
            ledger.trash(
                session, instance, attempt, actor=actor, kind="trash", why=why, reason=reason or ""
            )
        return view_of(session, attempt)


def restore_attempt(
    desk: Desk, attempt_id: int, *, actor: Actor, expected_version: int | None = None
) -> AttemptView:
    """Bring an attempt back from the trash; an instance with no selection selects it."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id, expected_version)
        ledger.restore(session, instance, [attempt], actor=actor)
        return view_of(session, attempt)


def list_attempts(
    desk: Desk, instance_id: int, *, include_trashed: bool = False
) -> list[AttemptView]:
    """The instance's attempts, newest first, with their image and every metadata field."""
    with desk.read() as session:
        get_instance(session, instance_id)
        views = attempt_views(session, [instance_id], include_trashed=include_trashed)
    return sorted(views, key=lambda v: v.attempt_number, reverse=True)


def add_attempt(
    desk: Desk,
    instance_id: int,
    *,
    source: str,
    image_id: int,
    actor: Actor,
    select_it: bool = True,
    expected_version: int | None = None,
    **fields: Any,
) -> AttemptChange:
    """Add an attempt for an existing image (any source) in one transaction, cap included."""
    actor = authorise(actor, "decide")
    with desk.tx() as session:
        instance = get_instance(session, instance_id, for_update=True)
        check_version(session, instance_id, expected_version)
        attempt, evicted = ledger.new_attempt(
            session,
            instance,
            source=source,
            image_id=image_id,
            actor=actor,
            select_it=select_it,
            cap=desk.settings.attempt_cap,
            **fields,
        )
        session.flush()
        views = {
            v.id: v
            for v in attempt_views(
                session,
                [instance_id],
                include_trashed=True,
                attempt_ids=[attempt.id, *(e.id for e in evicted)],
            )
        }
        return AttemptChange(
            views[attempt.id],
            [views[e.id] for e in evicted],
            message=ledger.eviction_message(evicted),
        )
