"""The ledger: the in-transaction primitives every decision is made of, written once.

Select an attempt, add one (its number and the selection it gets), trash one, evict over the cap,
restore from the trash, and record the decision event. Each runs inside the caller's transaction,
on an instance row the caller has locked (`get_instance(..., for_update=True)`; SQLite write
transactions start with BEGIN IMMEDIATE), so a decision and its events commit together or not at
all (invariant 2). Rules kept here: an instance with a live attempt has one selected (invariant
1); "use master as-is" stays on only while a master copy of the reference is selected (invariant
3); the cap never moves a held attempt (`protection`, invariant 5). Every use case (select, revert,
upload, generate, use as-is, scene restore, cleanup) calls these instead of changing rows itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, DecisionEvent, Scene, SceneAssetInstance
from stage8.decisions.events import record_event
from stage8.decisions.protection import cap_reason, load_protection, over_cap
from stage8.decisions.references import effective_reference
from stage8.reviewers.roles import Actor, actor_name


def project_id_of(session: Session, instance: SceneAssetInstance) -> int:
    return session.scalar(sa.select(Scene.project_id).where(Scene.id == instance.scene_id))


def decision_state(instance: SceneAssetInstance) -> dict[str, Any]:
    """What an event records as the instance's decision before and after a change."""
    return {
        "selected_attempt_id": instance.selected_attempt_id,
        "use_master_as_is": instance.use_master_as_is,
    }


def record(
    session: Session,
    instance: SceneAssetInstance,
    kind: str,
    *,
    actor: Actor,
    attempt: Attempt | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> DecisionEvent:
    """Add the decision event of a change of this instance to the transaction."""
    return record_event(
        session,
        project_id=project_id_of(session, instance),
        kind=kind,
        actor=actor,
        instance_id=instance.id,
        attempt_id=attempt.id if attempt is not None else None,
        before=before,
        after=after,
        reason=reason,
    )


def effective_reference_image_id(session: Session, instance: SceneAssetInstance) -> int | None:
    ref = effective_reference(session, instance.id)
    return ref.image_id if ref else None


def move_selection(
    session: Session, instance: SceneAssetInstance, attempt: Attempt | None, *, human: bool
) -> None:
    """Point the instance at `attempt` and keep invariant 3 (as-is only on a master copy).

    `human`: a reviewer's choice, which bumps the selection version (a finished generation is
    selected only when no reviewer chose since it was queued). No event: see `select`."""
    instance.selected_attempt_id = attempt.id if attempt else None
    if human:
        instance.selection_version += 1
    if instance.use_master_as_is:
        ref = effective_reference_image_id(session, instance)
        if attempt is None or attempt.source != "master_copy" or attempt.image_id != ref:
            instance.use_master_as_is = False


def select(
    session: Session,
    instance: SceneAssetInstance,
    attempt: Attempt,
    *,
    actor: Actor,
    kind: str = "select",
    reason: str | None = None,
    as_is: bool = False,
    before: dict[str, Any] | None = None,
) -> DecisionEvent:
    """A reviewer selects `attempt` (live, of this instance), with its event.

    `as_is`: the attempt is selected as the master reference used as-is, so the flag is set
    when it is a master copy of the current reference (invariant 3). `before`: the state the
    event records as before, when the decision began earlier in the transaction."""
    before = before if before is not None else decision_state(instance)
    move_selection(session, instance, attempt, human=True)
    if as_is and attempt.source == "master_copy":
        instance.use_master_as_is = attempt.image_id == effective_reference_image_id(
            session, instance
        )
    return record(
        session,
        instance,
        kind,
        actor=actor,
        attempt=attempt,
        before=before,
        after=decision_state(instance),
        reason=reason,
    )


def next_attempt_number(session: Session, instance_id: int) -> int:
    current = session.scalar(
        sa.select(sa.func.max(Attempt.attempt_number)).where(Attempt.instance_id == instance_id)
    )
    return (current or 0) + 1


def new_attempt(
    session: Session,
    instance: SceneAssetInstance,
    *,
    source: str,
    image_id: int,
    actor: Actor,
    select_it: bool,
    human_selection: bool = True,
    cap: int,
    event_kind: str = "add_attempt",
    reason: str | None = None,
    cost_usd: Decimal | None = None,
    **fields: Any,
) -> tuple[Attempt, list[Attempt]]:
    """Add an attempt (the next number) to the instance, with its event, then keep the cap.

    Selected when `select_it` or when the instance has no selection (invariant 1). Returns the
    attempt and the attempts the cap moved to the trash; because both happen in the same
    transaction, nothing is trashed when the new attempt fails to commit."""
    before = decision_state(instance)
    attempt = Attempt(
        instance_id=instance.id,
        attempt_number=next_attempt_number(session, instance.id),
        source=source,
        image_id=image_id,
        cost_usd=cost_usd,
        created_by=actor_name(actor),
        created_at=utcnow(),
        **fields,
    )
    session.add(attempt)
    session.flush()
    if select_it or instance.selected_attempt_id is None:
        move_selection(session, instance, attempt, human=human_selection and select_it)
    after = {**decision_state(instance), "attempt_number": attempt.attempt_number}
    record(
        session,
        instance,
        event_kind,
        actor=actor,
        attempt=attempt,
        before=before,
        after={**after, "source": source},
        reason=reason,
    )
    evicted = evict_over_cap(session, instance, cap=cap, actor=actor, keep={attempt.id})
    return attempt, evicted


def trash(
    session: Session,
    instance: SceneAssetInstance,
    attempt: Attempt,
    *,
    actor: Actor,
    kind: str,
    why: str,
    reason: str | None = None,
    with_state: bool = False,
) -> None:
    """Move a live attempt to the trash (restorable until purged), with its `kind` event.

    `why` is kept on the attempt; `reason` goes on the event (default: `why`). A selected
    attempt leaves the selection empty: only cleanup does that, for the last attempt of a
    deleted scene. `with_state`: the event records the instance's decision state too."""
    before = {**decision_state(instance), "trashed": False} if with_state else {"trashed": False}
    attempt.trashed_at = utcnow()
    attempt.trashed_reason = why
    if instance.selected_attempt_id == attempt.id:
        move_selection(session, instance, None, human=False)
    after = {**decision_state(instance)} if with_state else {}
    record(
        session,
        instance,
        kind,
        actor=actor,
        attempt=attempt,
        before=before,
        after={**after, "trashed": True, "attempt_number": attempt.attempt_number},
        reason=reason if reason is not None else why,
    )


def evict_over_cap(
    session: Session,
    instance: SceneAssetInstance,
    *,
    cap: int,
    actor: Actor,
    keep: set[int] | frozenset[int] = frozenset(),
) -> list[Attempt]:
    """Move the oldest unheld live attempts to the trash until at most `cap` are live.

    Held: the selection, pinned attempts, protected images (invariant 5) and `keep` (what the
    current decision just added or restored)."""
    live = list(
        session.scalars(
            sa.select(Attempt)
            .where(Attempt.instance_id == instance.id, Attempt.trashed_at.is_(None))
            .order_by(Attempt.attempt_number)
        )
    )
    if len(live) <= cap:
        return []
    protection = load_protection(session, [a.image_id for a in live])

    def held(a: Attempt) -> bool:
        return (
            a.id == instance.selected_attempt_id
            or a.id in keep
            or a.pinned
            or protection.reason(a.image_id, instance.id) is not None
        )

    evicted = over_cap(live, cap, held)
    for attempt in evicted:
        trash(session, instance, attempt, actor=actor, kind="evict", why=cap_reason(cap))
    return evicted


def restore(
    session: Session,
    instance: SceneAssetInstance,
    attempts: list[Attempt],
    *,
    actor: Actor,
    reason: str | None = None,
    select_if_none: Attempt | None = None,
    human: bool = True,
) -> None:
    """Bring trashed attempts of this instance back, with one `restore` event.

    An instance left without a selection selects `select_if_none` (default: the last of
    `attempts`), so invariant 1 holds. The cap is the caller's choice (`evict_over_cap`)."""
    gone = [a for a in attempts if a.trashed_at is not None]
    if not gone:
        return
    before = decision_state(instance)
    for attempt in gone:
        attempt.trashed_at = None
        attempt.trashed_reason = None
    if instance.selected_attempt_id is None:
        move_selection(session, instance, select_if_none or gone[-1], human=human)
    record(
        session,
        instance,
        "restore",
        actor=actor,
        attempt=gone[0] if len(gone) == 1 else None,
        before={**before, "trashed": True},
        after={**decision_state(instance), "trashed": False, "restored": [a.id for a in gone]},
        reason=reason,
    )


def eviction_message(evicted: list[Any]) -> str:
    """What a person is told about attempts the cap moved (rows or views: attempt_number)."""
    if not evicted:
        return ""
    numbers = ", ".join(f"#{a.attempt_number}" for a in evicted)
    return f"Moved attempt {numbers} to the trash to stay within the cap (restorable from Trash)."
