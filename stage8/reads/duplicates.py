"""The Storage page's duplicates: per project, the live attempts that repeat another live attempt
of the same scene asset, what they cost and what they take.

Two kinds:
- "exact": the same bytes (sha256) as an older live attempt of the instance. Images are stored by
  content, so the two attempts share one stored image: it takes no extra bytes, but it was paid
  for again;
- "near": flagged "same as #n" when it arrived (stage8.decisions.duplicates, the owner of that
  rule), with the hash distance between the two images (perceptual + difference hash bits, the
  measure that rule uses; None when the look-alike is gone or an image cannot be read).

A fixed number of queries whatever the project's size; the distances read the two stored 160 px
renditions of each near pair (no other image work).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import select

from stage8.db.finders import find_project
from stage8.db.models import Attempt, Image, ProjectAsset, Scene, SceneAssetInstance
from stage8.decisions.continuity import fingerprints
from stage8.decisions.duplicates import project_duplicates
from stage8.desk import Desk

COLUMNS = [
    "scene_number",
    "asset",
    "attempt_number",
    "same_as",
    "kind",
    "distance_bits",
    "cost_usd",
    "bytes",
]


@dataclass(frozen=True)
class DuplicateReport:
    """`rows`: one per duplicate attempt (COLUMNS), in scene, asset and attempt order."""

    project: str
    rows: pd.DataFrame
    groups: int  # distinct (scene asset, look-alike) pairs
    cost_usd: Decimal
    byte_size: int

    @property
    def count(self) -> int:
        return len(self.rows)


def _live_attempts(desk: Desk, project: str) -> tuple[int, list]:
    with desk.read() as session:
        project_id = find_project(session, project).id
        rows = session.execute(
            select(
                Attempt.id,
                Attempt.instance_id,
                Attempt.attempt_number,
                Attempt.image_id,
                Attempt.cost_usd,
                Image.sha256,
                Image.byte_size,
                Scene.scene_number,
                ProjectAsset.name,
            )
            .join(SceneAssetInstance, SceneAssetInstance.id == Attempt.instance_id)
            .join(Scene, Scene.id == SceneAssetInstance.scene_id)
            .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
            .join(Image, Image.id == Attempt.image_id)
            .where(
                Scene.project_id == project_id,
                Scene.deleted_at.is_(None),
                Attempt.trashed_at.is_(None),
            )
            .order_by(Scene.scene_number, ProjectAsset.name, Attempt.attempt_number)
        ).all()
    return project_id, rows


def _distance(prints: dict, a: int | None, b: int | None) -> int | None:
    if a not in prints or b not in prints:
        return None
    mine, theirs = prints[a], prints[b]
    return mine.hash_distance(theirs)


def duplicate_report(desk: Desk, project: str) -> DuplicateReport:
    """Every live exact or near duplicate attempt of the project, with totals."""
    project_id, live = _live_attempts(desk, project)
    by_id = {row.id: row for row in live}
    by_number = {(row.instance_id, row.attempt_number): row for row in live}
    found: dict[int, tuple[int, str]] = {}  # attempt id -> (same as number, kind)
    first_of_sha: dict[tuple[int, str], int] = {}
    for row in live:  # in attempt order: the oldest of equal bytes is the original
        original = first_of_sha.setdefault((row.instance_id, row.sha256), row.attempt_number)
        if original != row.attempt_number:
            found[row.id] = (original, "exact")
    for near in project_duplicates(desk, project_id):
        if near.attempt_id in by_id and near.attempt_id not in found:
            found[near.attempt_id] = (near.same_as, "near")
    pairs: dict[int, tuple[int, int | None]] = {}  # near: attempt id -> (image, look-alike's)
    for attempt_id, (same_as, kind) in found.items():
        if kind == "near":
            original = by_number.get((by_id[attempt_id].instance_id, same_as))
            pairs[attempt_id] = (by_id[attempt_id].image_id, original and original.image_id)
    prints = fingerprints(desk, {i for pair in pairs.values() for i in pair if i is not None})
    out = []
    for row in live:
        if row.id not in found:
            continue
        same_as, kind = found[row.id]
        exact = kind == "exact"
        out.append(
            (
                row.scene_number,
                row.name,
                row.attempt_number,
                same_as,
                kind,
                0 if exact else _distance(prints, *pairs[row.id]),
                row.cost_usd,
                0 if exact else int(row.byte_size),  # exact: the stored image is shared
            )
        )
    rows = pd.DataFrame(out, columns=COLUMNS)
    costs = (Decimal(c) for c in rows.cost_usd if c is not None)
    return DuplicateReport(
        project=project,
        rows=rows,
        groups=len({(r[0], r[1], r[3]) for r in out}),
        cost_usd=sum(costs, Decimal(0)),
        byte_size=int(sum(r[7] for r in out)),
    )
