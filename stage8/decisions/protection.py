"""What no cleanup may touch (invariant 5): the one home of that rule.

An attempt is held (never evicted by the cap, trashed or purged by any cleanup) when it is its
instance's selected attempt, pinned, or its image is protected for that instance: a master
asset's image, another instance's chosen reference, or another live scene's selected image
(which later scenes may use as their default reference). `load_protection` gathers the facts of
many images in three queries; `Protection.reason` and `hold_reason` are pure functions of them,
used by the ledger's cap, the cleanup policy, "Purge now" and the Trash page alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.models import Attempt, ProjectAsset, Scene, SceneAssetInstance

Row = TypeVar("Row")


@dataclass(frozen=True)
class Protection:
    """Who uses each image: asset masters, chosen references, live scenes' selections."""

    masters: dict[int, str]  # image id -> asset name
    chosen: dict[int, dict[int, int]]  # image id -> {instance id: scene number}
    selected: dict[int, dict[int, int]]  # image id -> {instance id: scene number}, live scenes

    def reason(self, image_id: int, instance_id: int | None) -> str | None:
        """Why the image may not leave `instance_id`'s attempts, or None when it may."""
        if image_id in self.masters:
            return f"its image is the master image of {self.masters[image_id]}"
        chosen = [n for i, n in self.chosen.get(image_id, {}).items() if i != instance_id]
        if chosen:
            return f"scene {min(chosen)} uses its image as the chosen reference"
        selected = [n for i, n in self.selected.get(image_id, {}).items() if i != instance_id]
        if selected:
            return f"its image is selected in scene {min(selected)} (a default reference)"
        return None


def hold_reason(row: Any, protection: Protection) -> str | None:
    """Why cleanup may not touch this attempt (pinned, selected, protected image), or None.

    `row` has id, instance_id, image_id, pinned and selected_attempt_id (its instance's
    selection): an attempt row of `cleanup.trash.attempt_rows` or any object with those."""
    if row.pinned:
        return "it is pinned"
    if row.id == row.selected_attempt_id:
        return "it is the selected image"
    return protection.reason(row.image_id, row.instance_id)


def cap_reason(cap: int) -> str:
    """Why the cap moved an attempt to the trash, as the attempt and its event say it."""
    return f"over the cap of {cap} live attempts"


def over_cap(live: Sequence[Row], cap: int, held: Callable[[Row], bool]) -> list[Row]:
    """The oldest of `live` (in attempt-number order) that are not held, as many as it takes
    to leave at most `cap` live; fewer when too many are held."""
    excess = len(live) - cap
    out: list[Row] = []
    for row in live:
        if len(out) >= excess:
            break
        if not held(row):
            out.append(row)
    return out


def load_protection(session: Session, image_ids: Iterable[int] | None = None) -> Protection:
    """The protection facts of these images (None: of every image), in three queries.

    Loading everything is cheap: there is at most one master per asset and one chosen
    reference and one selection per instance, far fewer than attempts.
    """
    ids = None if image_ids is None else {i for i in image_ids if i is not None}
    if ids is not None and not ids:
        return Protection({}, {}, {})

    def among(column: Any) -> Any:
        return column.is_not(None) if ids is None else column.in_(ids)

    masters = dict(
        session.execute(
            select(ProjectAsset.image_id, ProjectAsset.name).where(among(ProjectAsset.image_id))
        ).all()
    )
    chosen: dict[int, dict[int, int]] = {}
    for image_id, instance_id, number in session.execute(
        select(SceneAssetInstance.reference_image_id, SceneAssetInstance.id, Scene.scene_number)
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .where(among(SceneAssetInstance.reference_image_id))
    ):
        chosen.setdefault(image_id, {})[instance_id] = number
    selected: dict[int, dict[int, int]] = {}
    for image_id, instance_id, number in session.execute(
        select(Attempt.image_id, SceneAssetInstance.id, Scene.scene_number)
        .join(SceneAssetInstance, SceneAssetInstance.selected_attempt_id == Attempt.id)
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .where(among(Attempt.image_id), Scene.deleted_at.is_(None))
    ):
        selected.setdefault(image_id, {})[instance_id] = number
    return Protection(masters, chosen, selected)


def protected_image_ids(
    session: Session, image_ids: Iterable[int], instance_id: int | None = None
) -> set[int]:
    """The subset of image_ids that is protected for `instance_id` (see `Protection.reason`)."""
    ids = set(image_ids)
    protection = load_protection(session, ids)
    return {i for i in ids if protection.reason(i, instance_id) is not None}
