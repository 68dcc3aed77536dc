"""The trash: what is in it, what keeps an attempt from being purged, and purging rows.

What holds an attempt back is `decisions.protection.hold_reason` (invariant 5 has one home).
Purging deletes attempt rows, then every image row of theirs that no remaining row refers to, in
the caller's transaction; the freed storage keys are named in the purge event so a failed storage
delete can be redone (invariant 4: an object goes only when no row refers to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from stage8.db.models import (
    Attempt,
    GenerationJob,
    Image,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions.events import record_event
from stage8.decisions.protection import hold_reason, load_protection
from stage8.desk import Desk
from stage8.images.objects import object_keys
from stage8.reviewers.roles import Actor
from stage8.units import dataclass_json

ACTIVE_JOB_STATUSES = ("queued", "running")


@dataclass(frozen=True)
class TrashedAttempt:
    """An attempt in the trash, as the Trash page and `trash --list` show it."""

    attempt_id: int
    attempt_number: int
    instance_id: int
    project_id: int
    scene_id: int
    scene_number: int
    scene_deleted: bool
    asset_name: str
    source: str
    image_id: int
    thumb_key: str | None
    image_bytes: int
    cost_usd: Decimal | None
    trashed_at: datetime
    trashed_reason: str | None
    purge_due: datetime
    held_reason: str | None  # set when a purge would skip it, whatever its due date

    def as_json(self) -> dict[str, Any]:
        return dataclass_json(self)


def attempt_rows(session: Session, *conditions: Any) -> list[Any]:
    """Attempts with their instance's selection, scene, asset and image, in one query."""
    return session.execute(
        select(
            Attempt.id,
            Attempt.instance_id,
            Attempt.attempt_number,
            Attempt.source,
            Attempt.image_id,
            Attempt.reference_image_id,
            Attempt.cost_usd,
            Attempt.pinned,
            Attempt.trashed_at,
            Attempt.trashed_reason,
            Attempt.created_at,
            SceneAssetInstance.selected_attempt_id,
            Scene.id.label("scene_id"),
            Scene.scene_number,
            Scene.deleted_at,
            Scene.project_id,
            ProjectAsset.name.label("asset_name"),
            Image.thumb_key,
            (Image.byte_size + func.coalesce(Image.thumb_byte_size, 0)).label("image_bytes"),
        )
        .join(SceneAssetInstance, SceneAssetInstance.id == Attempt.instance_id)
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
        .join(Image, Image.id == Attempt.image_id)
        .where(*conditions)
        .order_by(Attempt.instance_id, Attempt.attempt_number)
    ).all()


def list_trash(desk: Desk, *, project_id: int | None = None) -> list[TrashedAttempt]:
    """Every trashed attempt, soonest purge first, with why a purge would keep it (if so)."""
    retention = timedelta(days=desk.settings.trash_retention_days)
    conditions = [Attempt.trashed_at.is_not(None)]
    if project_id is not None:
        conditions.append(Scene.project_id == project_id)
    with desk.read() as session:
        rows = attempt_rows(session, *conditions)
        protection = load_protection(session, {r.image_id for r in rows})
    items = [
        TrashedAttempt(
            attempt_id=r.id,
            attempt_number=r.attempt_number,
            instance_id=r.instance_id,
            project_id=r.project_id,
            scene_id=r.scene_id,
            scene_number=r.scene_number,
            scene_deleted=r.deleted_at is not None,
            asset_name=r.asset_name,
            source=r.source,
            image_id=r.image_id,
            thumb_key=r.thumb_key,
            image_bytes=r.image_bytes or 0,
            cost_usd=r.cost_usd,
            trashed_at=r.trashed_at,
            trashed_reason=r.trashed_reason,
            purge_due=r.trashed_at + retention,
            held_reason=hold_reason(r, protection),
        )
        for r in rows
    ]
    return sorted(items, key=lambda t: (t.purge_due, t.attempt_id))


@dataclass(frozen=True)
class FreedImage:
    """An image row a purge deleted; its objects are to be removed from storage."""

    image_id: int
    storage_key: str
    thumb_key: str | None
    bytes: int

    @property
    def keys(self) -> list[str]:
        return object_keys(self.storage_key, self.thumb_key)  # image, thumbnail, renditions


def still_used(session: Session, image_ids: set[int]) -> set[int]:
    """The images some row refers to: an attempt (image or reference used), a master asset, a
    chosen reference, or a generation job that has not finished yet."""
    if not image_ids:
        return set()
    ids = list(image_ids)
    queries = [
        select(Attempt.image_id).where(Attempt.image_id.in_(ids)),
        select(Attempt.reference_image_id).where(Attempt.reference_image_id.in_(ids)),
        select(ProjectAsset.image_id).where(ProjectAsset.image_id.in_(ids)),
        select(SceneAssetInstance.reference_image_id).where(
            SceneAssetInstance.reference_image_id.in_(ids)
        ),
        select(GenerationJob.reference_image_id).where(
            GenerationJob.reference_image_id.in_(ids),
            GenerationJob.status.in_(ACTIVE_JOB_STATUSES),
        ),
    ]
    return set(session.scalars(queries[0].union(*queries[1:])))


def purge_rows(session: Session, rows: list[Any], *, actor: Actor, reason: str) -> list[FreedImage]:
    """Delete these attempt rows (of one project) and the image rows nothing uses anymore.

    Runs in the caller's transaction, which must hold the attempts' instance locks and have
    re-checked that each may go. Jobs keep their history: their link to a purged attempt, and
    a finished job's link to a purged reference image, become NULL. One `purge` event per
    attempt names the storage keys its purge freed.
    """
    if not rows:
        return []
    ids = [r.id for r in rows]
    session.execute(
        update(GenerationJob).where(GenerationJob.attempt_id.in_(ids)).values(attempt_id=None)
    )
    session.execute(delete(Attempt).where(Attempt.id.in_(ids)))
    candidates = {r.image_id for r in rows} | {r.reference_image_id for r in rows}
    candidates.discard(None)
    unused = candidates - still_used(session, candidates)
    freed: list[FreedImage] = []
    if unused:
        session.execute(
            update(GenerationJob)
            .where(GenerationJob.reference_image_id.in_(unused))
            .values(reference_image_id=None)
        )
        for image_id, key, thumb, size, thumb_size in session.execute(
            select(
                Image.id, Image.storage_key, Image.thumb_key, Image.byte_size, Image.thumb_byte_size
            )
            .where(Image.id.in_(unused))
            .order_by(Image.id)
        ):
            freed.append(FreedImage(image_id, key, thumb, size + (thumb_size or 0)))
        session.execute(delete(Image).where(Image.id.in_(unused)))
    owner = image_owners(rows)
    for r in rows:
        mine = [f for f in freed if owner[f.image_id].id == r.id]
        record_event(
            session,
            project_id=r.project_id,
            kind="purge",
            actor=actor,
            instance_id=r.instance_id,
            attempt_id=r.id,
            before={
                "attempt_number": r.attempt_number,
                "source": r.source,
                "image_id": r.image_id,
                "cost_usd": None if r.cost_usd is None else str(r.cost_usd),
                "trashed_at": r.trashed_at.isoformat() if r.trashed_at else None,
            },
            after={
                "purged": True,
                "images": [f.image_id for f in mine],
                "objects": [k for f in mine for k in f.keys],
            },
            reason=reason,
        )
    return freed


def image_owners(rows: list[Any]) -> dict[int, Any]:
    """For each image these attempt rows use: the row a freed image is counted under (the
    first whose image it is, else the first that used it as its reference)."""
    owner: dict[int, Any] = {}
    for r in rows:
        owner.setdefault(r.image_id, r)
    for r in rows:
        if r.reference_image_id is not None:
            owner.setdefault(r.reference_image_id, r)
    return owner
