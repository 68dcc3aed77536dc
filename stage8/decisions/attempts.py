"""The attempt ledger: create, select, pin, trash and restore attempts, one transaction each.

Every function that changes a decision locks the instance row first (SELECT ... FOR UPDATE on
PostgreSQL; SQLite transactions start with BEGIN IMMEDIATE), so attempt numbers stay unique and
the selection pointer, the attempt rows and the decision event commit together (invariant 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.finders import get_instance
from stage8.db.models import Attempt, Scene, SceneAssetInstance
from stage8.decisions.events import record_event
from stage8.decisions.protection import protected_image_ids
from stage8.decisions.views import AttemptView, attempt_views
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound


@dataclass(frozen=True)
class AttemptChange:
    """What a decision did: the attempt it concerns and any attempt the cap moved to the trash."""

    attempt: AttemptView
    evicted: list[AttemptView]
    reused: bool = False
    message: str = ""


def project_id_of(session: Session, instance: SceneAssetInstance) -> int:
    return session.scalar(select(Scene.project_id).where(Scene.id == instance.scene_id))


def decision_state(instance: SceneAssetInstance) -> dict[str, Any]:
    return {
        "selected_attempt_id": instance.selected_attempt_id,
        "use_master_as_is": instance.use_master_as_is,
    }


def next_attempt_number(session: Session, instance_id: int) -> int:
    current = session.scalar(
        select(func.max(Attempt.attempt_number)).where(Attempt.instance_id == instance_id)
    )
    return (current or 0) + 1


def effective_reference_image_id(session: Session, instance: SceneAssetInstance) -> int | None:
    from stage8.decisions.references import effective_reference

    ref = effective_reference(session, instance.id)
    return ref.image_id if ref else None


def move_selection(
    session: Session,
    instance: SceneAssetInstance,
    attempt: Attempt | None,
    *,
    human: bool,
) -> None:
    """Point the instance at `attempt` and keep invariant 3 (as-is only on a master copy)."""
    instance.selected_attempt_id = attempt.id if attempt else None
    if human:
        instance.selection_version += 1
    if instance.use_master_as_is:
        ref = effective_reference_image_id(session, instance)
        if attempt is None or attempt.source != "master_copy" or attempt.image_id != ref:
            instance.use_master_as_is = False


def create_attempt(
    session: Session,
    instance: SceneAssetInstance,
    *,
    source: str,
    image_id: int,
    actor: str,
    select_it: bool,
    human_selection: bool = True,
    cap: int,
    event_kind: str = "add_attempt",
    reason: str | None = None,
    cost_usd: Decimal | None = None,
    **fields: Any,
) -> tuple[Attempt, list[Attempt]]:
    """Insert an attempt into a locked instance inside the caller's transaction.

    Returns the attempt and the attempts the cap moved to the trash; because both happen in
    the same transaction, nothing is trashed when the new attempt fails to commit.
    """
    before = decision_state(instance)
    attempt = Attempt(
        instance_id=instance.id,
        attempt_number=next_attempt_number(session, instance.id),
        source=source,
        image_id=image_id,
        cost_usd=cost_usd,
        created_by=actor,
        created_at=utcnow(),
        **fields,
    )
    session.add(attempt)
    session.flush()
    # Invariant 1: an instance with a live attempt always has one selected.
    if select_it or instance.selected_attempt_id is None:
        move_selection(session, instance, attempt, human=human_selection and select_it)
    project_id = project_id_of(session, instance)
    record_event(
        session,
        project_id=project_id,
        kind=event_kind,
        actor=actor,
        instance_id=instance.id,
        attempt_id=attempt.id,
        before=before,
        after={
            **decision_state(instance),
            "attempt_number": attempt.attempt_number,
            "source": source,
        },
        reason=reason,
    )
    evicted = enforce_cap(
        session, instance, cap=cap, actor=actor, project_id=project_id, keep=frozenset({attempt.id})
    )
    return attempt, evicted


def enforce_cap(
    session: Session,
    instance: SceneAssetInstance,
    *,
    cap: int,
    actor: str,
    project_id: int,
    keep: frozenset[int] = frozenset(),
) -> list[Attempt]:
    """Move the oldest unprotected live attempts to the trash until at most `cap` are live.

    Attempts whose ids are in `keep` (what the current decision just added or restored) are
    never the ones moved."""
    live = list(
        session.scalars(
            select(Attempt)
            .where(Attempt.instance_id == instance.id, Attempt.trashed_at.is_(None))
            .order_by(Attempt.attempt_number)
        )
    )
    excess = len(live) - cap
    if excess <= 0:
        return []
    protected = protected_image_ids(session, [a.image_id for a in live], instance.id)
    evicted: list[Attempt] = []
    for attempt in live:
        if len(evicted) == excess:
            break
        if (
            attempt.id == instance.selected_attempt_id
            or attempt.id in keep
            or attempt.pinned
            or attempt.image_id in protected
        ):
            continue
        attempt.trashed_at = utcnow()
        attempt.trashed_reason = f"over the cap of {cap} live attempts"
        evicted.append(attempt)
        record_event(
            session,
            project_id=project_id,
            kind="evict",
            actor=actor,
            instance_id=instance.id,
            attempt_id=attempt.id,
            after={"trashed": True, "attempt_number": attempt.attempt_number},
            reason=attempt.trashed_reason,
        )
    return evicted


def _load_attempt(session: Session, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(f"Attempt {attempt_id} does not exist (it may have been purged).")
    return attempt


def _locked(session: Session, attempt_id: int) -> tuple[Attempt, SceneAssetInstance]:
    instance_id = session.scalar(select(Attempt.instance_id).where(Attempt.id == attempt_id))
    if instance_id is None:
        raise NotFound(f"Attempt {attempt_id} does not exist (it may have been purged).")
    instance = get_instance(session, instance_id, for_update=True)
    return _load_attempt(session, attempt_id), instance


def view_of(session: Session, attempt: Attempt) -> AttemptView:
    session.flush()
    return attempt_views(session, [attempt.instance_id], attempt_ids=[attempt.id])[0]


def select_attempt(desk: Desk, attempt_id: int, *, actor: str, reason: str | None = None):
    """Make the attempt the one used for its instance, with a decision event, atomically."""
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id)
        if attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: "
                "restore it before selecting it."
            )
        if instance.selected_attempt_id == attempt.id:
            return AttemptChange(view_of(session, attempt), [], message="Already selected.")
        before = decision_state(instance)
        move_selection(session, instance, attempt, human=True)
        record_event(
            session,
            project_id=project_id_of(session, instance),
            kind="select",
            actor=actor,
            instance_id=instance.id,
            attempt_id=attempt.id,
            before=before,
            after=decision_state(instance),
            reason=reason,
        )
        return AttemptChange(
            view_of(session, attempt), [], message=f"Attempt #{attempt.attempt_number} selected."
        )


def set_pinned(desk: Desk, attempt_id: int, pinned: bool, *, actor: str) -> AttemptView:
    """Pin (protect from the cap and cleanup) or unpin an attempt."""
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id)
        if pinned and attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: restore it before pinning it."
            )
        if attempt.pinned != pinned:
            attempt.pinned = pinned
            record_event(
                session,
                project_id=project_id_of(session, instance),
                kind="pin" if pinned else "unpin",
                actor=actor,
                instance_id=instance.id,
                attempt_id=attempt.id,
                before={"pinned": not pinned},
                after={"pinned": pinned},
            )
        return view_of(session, attempt)


def trash_attempt(
    desk: Desk, attempt_id: int, *, actor: str, reason: str | None = None
) -> AttemptView:
    """Move an attempt to the trash (restorable). The selected attempt cannot be trashed."""
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id)
        if instance.selected_attempt_id == attempt.id:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is the selected image: select another "
                "attempt first, then move this one to the trash."
            )
        if attempt.pinned:
            raise DecisionConflict(f"Attempt #{attempt.attempt_number} is pinned: unpin it first.")
        if attempt.trashed_at is None:
            attempt.trashed_at = utcnow()
            attempt.trashed_reason = reason or "moved to trash by a reviewer"
            record_event(
                session,
                project_id=project_id_of(session, instance),
                kind="trash",
                actor=actor,
                instance_id=instance.id,
                attempt_id=attempt.id,
                before={"trashed": False},
                after={"trashed": True},
                reason=reason,
            )
        return view_of(session, attempt)


def restore_attempt(desk: Desk, attempt_id: int, *, actor: str) -> AttemptView:
    """Bring an attempt back from the trash; an instance with no selection selects it."""
    with desk.tx() as session:
        attempt, instance = _locked(session, attempt_id)
        if attempt.trashed_at is not None:
            attempt.trashed_at = None
            attempt.trashed_reason = None
            before = decision_state(instance)
            if instance.selected_attempt_id is None:
                move_selection(session, instance, attempt, human=True)
            record_event(
                session,
                project_id=project_id_of(session, instance),
                kind="restore",
                actor=actor,
                instance_id=instance.id,
                attempt_id=attempt.id,
                before={**before, "trashed": True},
                after={**decision_state(instance), "trashed": False},
            )
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
    actor: str,
    select_it: bool = True,
    **fields: Any,
) -> AttemptChange:
    """Add an attempt for an existing image (any source) in one transaction, cap included."""
    with desk.tx() as session:
        instance = get_instance(session, instance_id, for_update=True)
        attempt, evicted = create_attempt(
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
            message=eviction_message(evicted),
        )


def eviction_message(evicted: list[Attempt]) -> str:
    if not evicted:
        return ""
    numbers = ", ".join(f"#{a.attempt_number}" for a in evicted)
    return f"Moved attempt {numbers} to the trash to stay within the cap (restorable from Trash)."
