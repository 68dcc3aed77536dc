"""Near-duplicates: a new attempt that looks nearly identical to a live attempt of the same
instance is flagged "same as #n" on arrival (exact duplicates, by sha256, are reused instead:
stage8.decisions.uploads).

Rules owned here: two images are near-duplicates when their perceptual and difference hashes
(stage8.images.similarity, not mirrored: a flipped shot is a different take) differ by at most
`NEAR_BITS` bits in all; the flag is `extra["near_duplicate_of"]` (the attempt number of the
oldest live look-alike), written once when the attempt arrives: an upload
(stage8.decisions.uploads) or a generation result (stage8.generation.run, in the worker).
`flagged_same_as` reads it for the sheet and the carousel; `project_duplicates` lists them
with what they cost and take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from stage8.db.models import Attempt, Image, Scene, SceneAssetInstance
from stage8.decisions.continuity import fingerprints
from stage8.desk import Desk

NEAR_BITS = 10  # of 128 (two 64-bit hashes): re-encodes, resizes, tiny touch-ups


@dataclass(frozen=True)
class Duplicate:
    scene_number: int
    instance_id: int
    attempt_id: int
    attempt_number: int
    same_as: int  # the attempt number it looks like
    cost_usd: Decimal | None
    byte_size: int


def flag_near_duplicates(desk: Desk, instance_id: int, attempt_ids: Iterable[int]) -> dict:
    """Flag each of `attempt_ids` that looks like another live attempt of the instance (the
    oldest such; among the new ones themselves, only a later one is flagged, so two new
    look-alikes of one upload or one generation batch are not each "the same as" the other);
    returns {attempt id: attempt number it is the same as}."""
    new_ids = set(attempt_ids)
    if not new_ids:
        return {}
    with desk.read() as session:
        live = session.execute(
            select(Attempt.id, Attempt.attempt_number, Attempt.image_id)
            .where(Attempt.instance_id == instance_id, Attempt.trashed_at.is_(None))
            .order_by(Attempt.attempt_number)
        ).all()
    prints = fingerprints(desk, {image_id for _, _, image_id in live})
    found: dict[int, int] = {}
    for attempt_id, number, image_id in live:
        if attempt_id not in new_ids or image_id not in prints:
            continue
        mine = prints[image_id]
        for other_id, other_number, other_image in live:
            if other_id == attempt_id or other_image not in prints:
                continue
            if other_id in new_ids and other_number > number:
                continue  # of two new look-alikes, only the later one is "the same as" the other
            theirs = prints[other_image]
            if mine.hash_distance(theirs) <= NEAR_BITS:
                found[attempt_id] = other_number
                break
    if found:
        with desk.tx() as session:
            for attempt in session.scalars(select(Attempt).where(Attempt.id.in_(found))):
                attempt.extra = {**(attempt.extra or {}), "near_duplicate_of": found[attempt.id]}
    return found


def flagged_same_as(extra: dict | None) -> int | None:
    """The attempt number an attempt was flagged as looking the same as, if any."""
    number = (extra or {}).get("near_duplicate_of")
    return int(number) if number is not None else None


def project_duplicates(desk: Desk, project_id: int) -> list[Duplicate]:
    """Every live attempt of the project flagged as a near-duplicate, in scene order."""
    with desk.read() as session:
        rows = session.execute(
            select(Scene.scene_number, Attempt, Image.byte_size)
            .join(SceneAssetInstance, SceneAssetInstance.id == Attempt.instance_id)
            .join(Scene, Scene.id == SceneAssetInstance.scene_id)
            .join(Image, Image.id == Attempt.image_id)
            .where(
                Scene.project_id == project_id,
                Scene.deleted_at.is_(None),
                Attempt.trashed_at.is_(None),
            )
            .order_by(Scene.scene_number, Attempt.instance_id, Attempt.attempt_number)
        ).all()
    return [
        Duplicate(
            scene_number=number,
            instance_id=a.instance_id,
            attempt_id=a.id,
            attempt_number=a.attempt_number,
            same_as=flagged_same_as(a.extra),
            cost_usd=a.cost_usd,
            byte_size=size,
        )
        for number, a, size in rows
        if flagged_same_as(a.extra) is not None
    ]
