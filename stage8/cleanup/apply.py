"""The cleanup engine: plan first (a dry run), then apply it, resumably.

The rules of what goes are pure functions in `policy` (protection in `decisions.protection`);
this module loads the rows, asks them, and carries the answer out through the ledger.

Attempts leave in two steps. Live attempts over the per-instance cap, unselected ones older than
the age limit (when set), and every attempt of a deleted scene go to the trash; attempts that
have been in the trash longer than the retention period are purged: their rows go, then every
image row no remaining row uses, then those images' objects. Never trashed or purged: the
selected attempt of a live scene, pinned attempts, and attempts whose image is protected (a
master image, another instance's chosen reference, another live scene's selected image).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from stage8.cleanup.orphans import find_orphans, remove_unreferenced_objects
from stage8.cleanup.plan import (
    CleanupPlan,
    CleanupProgress,
    CleanupResult,
    PlannedAttempt,
    PlannedImage,
    PurgeResult,
)
from stage8.cleanup.policy import (
    purge_decisions,
    retention_reason,
    trash_decisions,
    trashed_reason,
)
from stage8.cleanup.trash import ACTIVE_JOB_STATUSES, attempt_rows, image_owners, purge_rows
from stage8.db.column_types import utcnow
from stage8.db.finders import get_instance
from stage8.db.models import Attempt, GenerationJob, Image
from stage8.decisions import ledger
from stage8.decisions.protection import Protection, hold_reason, load_protection
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound, Stage8Error
from stage8.reviewers.roles import Actor, authorise

__all__ = ["apply_cleanup", "plan_cleanup", "purge_expired", "purge_now"]

_CHUNK = 500  # ids per IN (...) list: far below SQLite's limit on bound parameters


def _by_instance(rows: list[Any]) -> dict[int, list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        groups[r.instance_id].append(r)
    return groups


def plan_cleanup(
    desk: Desk, *, now: datetime | None = None, trash: bool = True, sweep: bool = True
) -> CleanupPlan:
    """The dry run: what `apply_cleanup` would trash, purge and delete, changing nothing.

    `now` stands for the clock (tests move it forward); `trash=False` plans purges only and
    `sweep=False` skips looking for orphaned objects in storage.
    """
    now = now or utcnow()
    s = desk.settings
    with desk.read() as session:
        rows = attempt_rows(session)
        protection = load_protection(session)
        to_trash: list[PlannedAttempt] = []
        to_purge: list[Any] = []
        for group in _by_instance(rows).values():
            if trash:
                live = [r for r in group if r.trashed_at is None]
                decided = trash_decisions(
                    live,
                    cap=s.attempt_cap,
                    max_age_days=s.unselected_max_age_days,
                    now=now,
                    protection=protection,
                )
                to_trash += [PlannedAttempt.of(r, why) for r, why in decided]
            gone = [r for r in group if r.trashed_at is not None]
            to_purge += purge_decisions(
                gone, retention_days=s.trash_retention_days, now=now, protection=protection
            )
        images = _planned_images(session, rows, to_purge, protection)
    orphans = find_orphans(desk, now=now) if sweep else []
    return CleanupPlan(
        now=now,
        attempt_cap=s.attempt_cap,
        max_age_days=s.unselected_max_age_days,
        retention_days=s.trash_retention_days,
        to_trash=to_trash,
        to_purge=[PlannedAttempt.of(r, retention_reason(s.trash_retention_days)) for r in to_purge],
        images=images,
        orphans=orphans,
        swept=sweep,
    )


def _planned_images(
    session: Session, rows: list[Any], purge: list[Any], protection: Protection
) -> list[PlannedImage]:
    """The image rows the purge leaves unused, as `trash.still_used` will judge them."""
    purged = {r.id for r in purge}
    candidates = {r.image_id for r in purge} | {r.reference_image_id for r in purge}
    candidates.discard(None)
    if not candidates:
        return []
    used = {r.image_id for r in rows if r.id not in purged}
    used |= {r.reference_image_id for r in rows if r.id not in purged}
    used |= set(protection.masters) | set(protection.chosen)
    used |= set(
        session.scalars(
            select(GenerationJob.reference_image_id).where(
                GenerationJob.reference_image_id.is_not(None),
                GenerationJob.status.in_(ACTIVE_JOB_STATUSES),
            )
        )
    )
    unused = sorted(candidates - used)
    owner = image_owners(purge)
    out: list[PlannedImage] = []
    for start in range(0, len(unused), _CHUNK):
        chunk = unused[start : start + _CHUNK]
        for image in session.scalars(select(Image).where(Image.id.in_(chunk)).order_by(Image.id)):
            out.append(PlannedImage.of(image, owner[image.id]))
    return out


def apply_cleanup(
    desk: Desk,
    plan: CleanupPlan | None = None,
    *,
    actor: Actor,
    progress: Callable[[CleanupProgress], None] | None = None,
) -> CleanupResult:
    """Carry out the plan (a fresh one when None); run it again to finish an interrupted one.

    Rows first: one transaction per instance locks it, re-checks every planned attempt against
    the current state (the plan may be stale; what no longer qualifies is skipped, never more
    than planned is done) and commits the change with its `cleanup` or `purge` events. Then the
    objects of the deleted image rows are removed, then the plan's orphans. A failure is
    recorded in `errors` and the rest continues; nothing a row still uses is ever removed, and
    objects left behind are found by the next plan.
    """
    actor = authorise(actor, "cleanup_apply")
    plan = plan or plan_cleanup(desk)
    result = CleanupResult()
    trash_groups = _by_instance(plan.to_trash)
    purge_groups = _by_instance(plan.to_purge)
    total = len(trash_groups) + len(purge_groups) + 2
    step = 0

    def tick(phase: str, message: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(CleanupProgress(phase, step, total, message))

    for instance_id, planned in trash_groups.items():
        try:
            with desk.tx() as session:
                done = _trash_instance(session, instance_id, planned, plan, actor)
        except (Stage8Error, SQLAlchemyError) as exc:
            result.errors.append(f"Could not trash attempts of instance {instance_id}: {exc}")
        else:
            result.record_trashed(planned, done)
        tick("trash", f"Moved {len(result.trashed)} of {len(plan.to_trash)} to the trash")
    freed = []
    for instance_id, planned in purge_groups.items():
        try:
            with desk.tx() as session:
                gone, images = _purge_instance(session, instance_id, planned, plan, actor)
        except (Stage8Error, SQLAlchemyError) as exc:
            result.errors.append(f"Could not purge attempts of instance {instance_id}: {exc}")
        else:
            result.record_purged(planned, gone, images)
            freed += images
        tick("purge", f"Purged {len(result.purged)} of {len(plan.to_purge)} attempts")
    removal = remove_unreferenced_objects(desk, [k for f in freed for k in f.keys])
    result.record_removed(freed, removal)
    tick("storage", f"Removed {len(result.objects_removed)} objects")
    sweep = remove_unreferenced_objects(desk, [o.key for o in plan.orphans])
    result.record_orphans(plan.orphans, sweep)
    tick("sweep", result.message)
    return result


def _trash_instance(
    session: Session,
    instance_id: int,
    planned: list[PlannedAttempt],
    plan: CleanupPlan,
    actor: Actor,
) -> list[int]:
    instance = get_instance(session, instance_id, for_update=True)
    live = attempt_rows(session, Attempt.instance_id == instance_id, Attempt.trashed_at.is_(None))
    protection = load_protection(session, {r.image_id for r in live})
    decided = trash_decisions(
        live,
        cap=plan.attempt_cap,
        max_age_days=plan.max_age_days,
        now=plan.now,
        protection=protection,
    )
    allowed = {r.id: why for r, why in decided}
    going = [p for p in planned if p.attempt_id in allowed]
    staying = {r.id for r in live} - {p.attempt_id for p in going}
    if staying and instance.selected_attempt_id not in staying:
        # Part of a deleted scene's plan is stale: the selection stays with what stays.
        going = [p for p in going if p.attempt_id != instance.selected_attempt_id]
    for item in going:
        why = allowed[item.attempt_id]
        attempt = session.get(Attempt, item.attempt_id)
        ledger.trash(
            session,
            instance,
            attempt,
            actor=actor,
            kind="cleanup",
            why=trashed_reason(why),
            reason=why,
            with_state=True,
        )
    return [item.attempt_id for item in going]


def _purge_instance(
    session: Session,
    instance_id: int,
    planned: list[PlannedAttempt],
    plan: CleanupPlan,
    actor: Actor,
) -> tuple[list[int], list]:
    get_instance(session, instance_id, for_update=True)
    ids = [p.attempt_id for p in planned]
    rows = attempt_rows(session, Attempt.id.in_(ids), Attempt.trashed_at.is_not(None))
    protection = load_protection(session, {r.image_id for r in rows})
    going = purge_decisions(
        rows, retention_days=plan.retention_days, now=plan.now, protection=protection
    )
    reason = retention_reason(plan.retention_days)
    freed = purge_rows(session, going, actor=actor, reason=reason)
    return [r.id for r in going], freed


def purge_now(desk: Desk, attempt_id: int, *, actor: Actor) -> PurgeResult:
    """Purge one trashed attempt before its retention ends (a reviewer's explicit choice).

    Refuses (DecisionConflict) an attempt that is not in the trash or that something holds:
    pinned, selected, or a protected image. Its image rows and objects go only when nothing
    else uses them; an object whose removal fails is left for the next cleanup.
    """
    actor = authorise(actor, "purge")
    with desk.tx() as session:
        instance_id = session.scalar(select(Attempt.instance_id).where(Attempt.id == attempt_id))
        if instance_id is None:
            raise NotFound(f"Attempt {attempt_id} does not exist (it may be purged already).")
        get_instance(session, instance_id, for_update=True)
        row = attempt_rows(session, Attempt.id == attempt_id)[0]
        if row.trashed_at is None:
            raise DecisionConflict(
                f"Attempt #{row.attempt_number} is not in the trash: move it to the trash first."
            )
        held = hold_reason(row, load_protection(session, [row.image_id]))
        if held:
            raise DecisionConflict(f"Attempt #{row.attempt_number} cannot be purged: {held}.")
        freed = purge_rows(session, [row], actor=actor, reason="purged now by a reviewer")
    removal = remove_unreferenced_objects(desk, [k for f in freed for k in f.keys])
    return PurgeResult.of(row, freed, removal)


def purge_expired(
    desk: Desk,
    *,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[CleanupProgress], None] | None = None,
) -> CleanupResult:
    """Purge every trashed attempt whose retention has ended; nothing is moved to the trash."""
    actor = authorise(actor, "purge")
    plan = plan_cleanup(desk, now=now, trash=False, sweep=False)
    return apply_cleanup(desk, plan, actor=actor, progress=progress)
