"""Continuity: how alike each live attempt looks to the reference it is judged against.

Rules owned here:
- an attempt's continuity is the similarity (stage8.images.similarity) of its image to its
  instance's effective reference image, stored once per (image, reference image) pair in
  `continuity_scores`; a change of reference (chosen, or the default moving because an earlier
  scene selected another image) needs only the new pairs;
- scores are computed off the request path: by the worker between jobs (`catch_up`, driven by
  the decision log: a changed instance and every later instance of its asset), by
  `python -m stage8 continuity --backfill` (`backfill`), and right after an upload for its
  instance; a page only reads them (`scores_for`);
- the selected image is also scored against the asset's master image (continuity along the
  chain of scenes, in Analytics);
- fingerprints come from the stored 160 px rendition (the thumbnail, else the image itself);
- an attempt is flagged "drift" when its score is below `STAGE8_DRIFT_BELOW`.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image as PILImage
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import (
    Attempt,
    ContinuityScore,
    DecisionEvent,
    Image,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions.references import reference_states
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.images.renditions import THUMB_RENDITION_WIDTH
from stage8.images.similarity import Fingerprint, compare, fingerprint
from stage8.storage.keys import rendition_key

log = logging.getLogger("stage8.continuity")
BATCH = 200  # instances per read when scanning a whole project


@dataclass
class ContinuityReport:
    scored: int = 0  # pairs computed now
    unavailable: int = 0  # pairs whose image could not be read (missing object)


def pairs_needed(session: Session, instance_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(image, effective reference image) of every live attempt of these instances that has no
    stored score yet."""
    ids = list(instance_ids)
    if not ids:
        return set()
    refs = reference_states(session, ids)
    wanted = {
        (image_id, refs[instance_id].effective_image_id)
        for instance_id, image_id in session.execute(
            select(Attempt.instance_id, Attempt.image_id).where(
                Attempt.instance_id.in_(ids), Attempt.trashed_at.is_(None)
            )
        )
        if instance_id in refs and refs[instance_id].effective_image_id is not None
    }
    # The selected image against the asset's master too: Analytics follows it along the scenes.
    wanted |= {
        (image_id, master_id)
        for image_id, master_id in session.execute(
            select(Attempt.image_id, ProjectAsset.image_id)
            .join(SceneAssetInstance, SceneAssetInstance.selected_attempt_id == Attempt.id)
            .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
            .where(SceneAssetInstance.id.in_(ids), ProjectAsset.image_id.is_not(None))
        )
    }
    wanted = {(a, r) for a, r in wanted if a != r}  # an as-is copy is its reference: no score
    if not wanted:
        return set()
    stored = {
        (image_id, reference_id)
        for image_id, reference_id in session.execute(
            select(ContinuityScore.image_id, ContinuityScore.reference_image_id).where(
                ContinuityScore.image_id.in_({a for a, _ in wanted})
            )
        )
    }
    return wanted - stored


def fingerprints(desk: Desk, image_ids: set[int]) -> dict[int, Fingerprint]:
    """Image id -> fingerprint of its 160 px rendition (else thumbnail, else the image);
    images whose objects cannot be read are left out."""
    with desk.read() as session:
        rows = session.execute(
            select(Image.id, Image.storage_key, Image.thumb_key).where(Image.id.in_(image_ids))
        ).all()
    out: dict[int, Fingerprint] = {}
    for image_id, key, thumb in rows:
        for candidate in (rendition_key(key, THUMB_RENDITION_WIDTH), thumb, key):
            if candidate is None:
                continue
            try:
                data = desk.store.get(candidate)
            except Stage8Error:
                continue
            with PILImage.open(io.BytesIO(data)) as im:
                out[image_id] = fingerprint(im)
            break
    return out


def score_pairs(desk: Desk, pairs: set[tuple[int, int]]) -> ContinuityReport:
    """Compute and store the scores of `pairs` (a pair stored meanwhile is kept as it is)."""
    report = ContinuityReport()
    if not pairs:
        return report
    prints = fingerprints(desk, {i for pair in pairs for i in pair})
    rows = []
    for image_id, reference_id in sorted(pairs):
        if image_id not in prints or reference_id not in prints:
            report.unavailable += 1
            continue
        result = compare(prints[image_id], prints[reference_id])
        rows.append(
            {
                "image_id": image_id,
                "reference_image_id": reference_id,
                "score": result.score,
                "perceptual": result.perceptual,
                "gradient": result.gradient,
                "colour": result.colour,
                "structure": result.structure,
                "computed_at": utcnow(),
            }
        )
    if rows:
        insert = pg_insert if desk.dialect == "postgresql" else sqlite_insert
        with desk.tx() as session:
            session.execute(insert(ContinuityScore).values(rows).on_conflict_do_nothing())
    report.scored = len(rows)
    return report


def update_instances(desk: Desk, instance_ids: Iterable[int]) -> ContinuityReport:
    """Score what these instances' live attempts still miss against their references."""
    with desk.read() as session:
        needed = pairs_needed(session, instance_ids)
    return score_pairs(desk, needed)


def _affected(session: Session, instance_ids: set[int]) -> set[int]:
    """The instances plus every instance of the same asset in a later live scene (their
    default reference follows the earlier scenes' selections)."""
    if not instance_ids:
        return set()
    starts = session.execute(
        select(SceneAssetInstance.asset_id, func.min(Scene.scene_number))
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .where(SceneAssetInstance.id.in_(instance_ids))
        .group_by(SceneAssetInstance.asset_id)
    ).all()
    out = set(instance_ids)
    for asset_id, first in starts:
        out.update(
            session.scalars(
                select(SceneAssetInstance.id)
                .join(Scene, Scene.id == SceneAssetInstance.scene_id)
                .where(
                    SceneAssetInstance.asset_id == asset_id,
                    Scene.scene_number >= first,
                    Scene.deleted_at.is_(None),
                )
            )
        )
    return out


def catch_up(desk: Desk, after_event_id: int, limit: int = 500) -> tuple[int, ContinuityReport]:
    """Score what the decisions logged after `after_event_id` left unscored (at most `limit`
    events per call); returns the last event id looked at and what was done. The worker calls
    this between jobs, starting from 0 (a whole-project pass) when it starts."""
    with desk.read() as session:
        events = session.execute(
            select(DecisionEvent.id, DecisionEvent.instance_id)
            .where(DecisionEvent.id > after_event_id)
            .order_by(DecisionEvent.id)
            .limit(limit)
        ).all()
        if not events:
            return after_event_id, ContinuityReport()
        changed = {i for _, i in events if i is not None}
        needed = pairs_needed(session, _affected(session, changed))
    return events[-1][0], score_pairs(desk, needed)


def backfill(desk: Desk) -> ContinuityReport:
    """Score every live attempt of every live scene against its reference (idempotent: only
    missing pairs are computed; resumable: each batch commits)."""
    total = ContinuityReport()
    with desk.read() as session:
        ids = list(
            session.scalars(
                select(SceneAssetInstance.id)
                .join(Scene, Scene.id == SceneAssetInstance.scene_id)
                .where(Scene.deleted_at.is_(None))
                .order_by(SceneAssetInstance.id)
            )
        )
    for start in range(0, len(ids), BATCH):
        report = update_instances(desk, ids[start : start + BATCH])
        total.scored += report.scored
        total.unavailable += report.unavailable
    return total


def scores_for(session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Stored scores of (image, reference image) pairs, in one query (missing: not yet)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = session.execute(
        select(
            ContinuityScore.image_id, ContinuityScore.reference_image_id, ContinuityScore.score
        ).where(ContinuityScore.image_id.in_({a for a, _ in wanted}))
    )
    return {(a, r): s for a, r, s in rows if (a, r) in wanted}


def attempt_scores(session: Session, instance_ids: Iterable[int]) -> dict[int, int]:
    """Attempt id -> continuity score of the live attempts of these instances that have one
    (two queries plus the reference chains)."""
    ids = list(instance_ids)
    if not ids:
        return {}
    refs = reference_states(session, ids)
    attempts = session.execute(
        select(Attempt.id, Attempt.instance_id, Attempt.image_id).where(
            Attempt.instance_id.in_(ids), Attempt.trashed_at.is_(None)
        )
    ).all()
    return _by_attempt(session, attempts, refs)


def _by_attempt(session: Session, attempts, refs) -> dict[int, int]:
    pairs = {
        a_id: (image_id, refs[iid].effective_image_id)
        for a_id, iid, image_id in attempts
        if iid in refs and refs[iid].effective_image_id is not None
    }
    found = scores_for(session, pairs.values())
    return {a_id: found[pair] for a_id, pair in pairs.items() if pair in found}
