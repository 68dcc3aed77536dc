"""`python -m stage8 check`: the design's invariants, asserted against a live database and store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from stage8.db.models import Attempt, GenerationJob, Image, ProjectAsset, SceneAssetInstance
from stage8.decisions.references import reference_states
from stage8.desk import Desk
from stage8.images.objects import object_keys
from stage8.storage.preflight import preflight


@dataclass(frozen=True)
class Violation:
    invariant: int
    message: str

    def __str__(self) -> str:
        return f"[invariant {self.invariant}] {self.message}"


def check(desk: Desk, *, storage: bool = True) -> list[Violation]:
    """Every violation found; an empty list means the database and store are consistent.

    With `storage`, the store's preflight runs first: a store that cannot be used raises one
    StorageUnavailable naming the setting to fix, instead of reporting every object missing.
    """
    if storage:
        preflight(desk.store)
    found: list[Violation] = []
    with desk.read() as session:
        found += _selection(session)
        found += _as_is(session)
        found += _protected(session)
        found += _dangling_images(session)
        found += _cleanup_kept_protected(session)
        if storage:
            found += _objects(desk, session)
    return found


def _selection(session) -> list[Violation]:
    out: list[Violation] = []
    sel = aliased(Attempt)
    rows = session.execute(
        select(SceneAssetInstance.id, sel.instance_id, sel.trashed_at, sel.id).join(
            sel, sel.id == SceneAssetInstance.selected_attempt_id
        )
    )
    for inst_id, owner, trashed_at, attempt_id in rows:
        if owner != inst_id:
            out.append(
                Violation(1, f"instance {inst_id} selects attempt {attempt_id} of instance {owner}")
            )
        if trashed_at is not None:
            out.append(
                Violation(
                    5, f"instance {inst_id} selects attempt {attempt_id}, which is in the trash"
                )
            )
    dangling = session.execute(
        select(SceneAssetInstance.id, SceneAssetInstance.selected_attempt_id)
        .outerjoin(sel, sel.id == SceneAssetInstance.selected_attempt_id)
        .where(SceneAssetInstance.selected_attempt_id.is_not(None), sel.id.is_(None))
    )
    for inst_id, attempt_id in dangling:
        out.append(
            Violation(1, f"instance {inst_id} selects attempt {attempt_id}, which does not exist")
        )
    live = (
        select(Attempt.instance_id, func.count().label("n"))
        .where(Attempt.trashed_at.is_(None))
        .group_by(Attempt.instance_id)
        .subquery()
    )
    unselected = session.execute(
        select(SceneAssetInstance.id, live.c.n)
        .join(live, live.c.instance_id == SceneAssetInstance.id)
        .where(SceneAssetInstance.selected_attempt_id.is_(None))
    )
    for inst_id, n in unselected:
        out.append(Violation(1, f"instance {inst_id} has {n} live attempt(s) but none selected"))
    return out


def _as_is(session) -> list[Violation]:
    rows = session.execute(
        select(SceneAssetInstance.id, Attempt.source, Attempt.image_id)
        .outerjoin(Attempt, Attempt.id == SceneAssetInstance.selected_attempt_id)
        .where(SceneAssetInstance.use_master_as_is.is_(True))
    ).all()
    states = reference_states(session, [r[0] for r in rows])
    out = []
    for inst_id, source, image_id in rows:
        ref = states.get(inst_id)
        ref_image = ref.effective_image_id if ref else None
        if source != "master_copy" or image_id != ref_image:
            out.append(
                Violation(
                    3,
                    f"instance {inst_id} says 'use master as-is' but its selected "
                    "image is not a master copy of its current reference",
                )
            )
    return out


def _protected(session) -> list[Violation]:
    out = []
    pinned_trashed = session.execute(
        select(Attempt.id, Attempt.instance_id).where(
            Attempt.pinned.is_(True), Attempt.trashed_at.is_not(None)
        )
    )
    for attempt_id, inst_id in pinned_trashed:
        out.append(
            Violation(5, f"pinned attempt {attempt_id} of instance {inst_id} is in the trash")
        )
    missing_master = session.execute(
        select(ProjectAsset.id, ProjectAsset.name)
        .outerjoin(Image, Image.id == ProjectAsset.image_id)
        .where(ProjectAsset.image_id.is_not(None), Image.id.is_(None))
    )
    for asset_id, name in missing_master:
        out.append(Violation(5, f"asset {name!r} ({asset_id}) points at a purged image"))
    missing_ref = session.execute(
        select(SceneAssetInstance.id)
        .outerjoin(Image, Image.id == SceneAssetInstance.reference_image_id)
        .where(SceneAssetInstance.reference_image_id.is_not(None), Image.id.is_(None))
    )
    for (inst_id,) in missing_ref:
        out.append(Violation(5, f"instance {inst_id}'s chosen reference image was purged"))
    return out


def _dangling_images(session) -> list[Violation]:
    """Invariant 4: no attempt or generation job points at a purged image or attempt."""
    out = []
    pointers = [
        ("attempt", Attempt.id, Attempt.image_id, "image"),
        ("attempt", Attempt.id, Attempt.reference_image_id, "reference image"),
        ("generation job", GenerationJob.id, GenerationJob.reference_image_id, "reference image"),
    ]
    for what, id_column, column, label in pointers:
        rows = session.execute(
            select(id_column, column)
            .outerjoin(Image, Image.id == column)
            .where(column.is_not(None), Image.id.is_(None))
        )
        for row_id, image_id in rows:
            out.append(Violation(4, f"{what} {row_id}'s {label} {image_id} was purged"))
    purged = aliased(Attempt)
    jobs = session.execute(
        select(GenerationJob.id, GenerationJob.attempt_id)
        .outerjoin(purged, purged.id == GenerationJob.attempt_id)
        .where(GenerationJob.attempt_id.is_not(None), purged.id.is_(None))
    )
    for job_id, attempt_id in jobs:
        out.append(Violation(4, f"generation job {job_id}'s attempt {attempt_id} was purged"))
    return out


def _cleanup_kept_protected(session) -> list[Violation]:
    """Invariant 5: the cap and the cleanup never trashed an attempt whose image was, at that
    moment, a master image or another instance's chosen reference. Masters never change, and
    `reference_chosen_at` dates the choice in force, so both are known for the trash time."""
    automatic = Attempt.trashed_reason.like("cleanup:%") | Attempt.trashed_reason.like(
        "over the cap%"
    )
    out = []
    masters = session.execute(
        select(Attempt.id, ProjectAsset.name)
        .join(ProjectAsset, ProjectAsset.image_id == Attempt.image_id)
        .where(automatic, ProjectAsset.created_at < Attempt.trashed_at)
    )
    for attempt_id, name in masters:
        out.append(
            Violation(5, f"attempt {attempt_id} was trashed although its image is {name}'s master")
        )
    other = aliased(SceneAssetInstance)
    chosen = session.execute(
        select(Attempt.id, other.id)
        .join(other, other.reference_image_id == Attempt.image_id)
        .where(
            automatic,
            other.id != Attempt.instance_id,
            other.reference_chosen_at < Attempt.trashed_at,
        )
    )
    for attempt_id, inst_id in chosen:
        out.append(
            Violation(
                5,
                f"attempt {attempt_id} was trashed although instance {inst_id} had chosen "
                "its image as reference",
            )
        )
    return out


@dataclass(frozen=True)
class ObjectCounts:
    """The stored objects image rows own, by kind (what `check` looked at)."""

    images: int
    thumbnails: int
    renditions: int  # display-size JPEGs (`images.renditions`) found in storage
    without_renditions: int  # images missing one or more: `renditions --backfill` makes them


def object_counts(desk: Desk) -> ObjectCounts:
    """Count the image rows' objects present in storage (renditions included)."""
    with desk.read() as session:
        stored = _stored_keys(desk, session)
        images = thumbs = renditions = missing = 0
        for key, thumb in session.execute(select(Image.storage_key, Image.thumb_key)):
            images += key in stored
            thumbs += bool(thumb) and thumb in stored
            owned = object_keys(key, None)[1:]
            present = sum(k in stored for k in owned)
            renditions += present
            missing += present < len(owned)
    return ObjectCounts(images, thumbs, renditions, missing)


def _stored_keys(desk: Desk, session) -> set[str]:
    keys: set[str] = set()
    for project_id in session.scalars(select(Image.project_id).distinct()):
        keys |= {o.key for o in desk.store.list(f"project_{project_id}/")}
    return keys


def _objects(desk: Desk, session) -> list[Violation]:
    keys = _stored_keys(desk, session)
    out = []
    for image_id, key, thumb in session.execute(
        select(Image.id, Image.storage_key, Image.thumb_key)
    ):
        if key not in keys:
            out.append(Violation(4, f"image {image_id}'s object {key} is missing from storage"))
        if thumb and thumb not in keys:
            out.append(Violation(4, f"image {image_id}'s thumbnail {thumb} is missing"))
    return out
