"""Which images no cleanup may touch (invariant 5): masters and references used elsewhere."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.models import Attempt, ProjectAsset, Scene, SceneAssetInstance


def protected_image_ids(
    session: Session, image_ids: Iterable[int], instance_id: int | None = None
) -> set[int]:
    """The subset of image_ids that is a master asset image, another instance's chosen
    reference, or another live scene's selected image (which later scenes may use as their
    default reference)."""
    ids = set(image_ids)
    if not ids:
        return set()
    masters = select(ProjectAsset.image_id).where(ProjectAsset.image_id.in_(ids))
    chosen = select(SceneAssetInstance.reference_image_id).where(
        SceneAssetInstance.reference_image_id.in_(ids)
    )
    selected_elsewhere = (
        select(Attempt.image_id)
        .join(SceneAssetInstance, SceneAssetInstance.selected_attempt_id == Attempt.id)
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .where(Attempt.image_id.in_(ids), Scene.deleted_at.is_(None))
    )
    if instance_id is not None:
        chosen = chosen.where(SceneAssetInstance.id != instance_id)
        selected_elsewhere = selected_elsewhere.where(SceneAssetInstance.id != instance_id)
    found = set(session.scalars(masters.union(chosen, selected_elsewhere)))
    return {i for i in found if i is not None}
