"""The review queue: every scene asset instance that still needs a reviewer, and why.

Reasons (an instance can have several):
- `undecided`: no selected attempt (an instance used as-is always has one selected);
- `stale_reference`: the reviewer's chosen reference is out of date (`ReferenceState.stale`);
- `new_attempts`: a live attempt that a generation added without selecting it, because a reviewer
  had chosen since the job was queued (`extra["new_unreviewed"]`, set in generation/run.py), and
  that no reviewer decision on the instance (select, pin, trash, as-is on or off, upload,
  reference, revert, restore) has followed since it arrived;
- `failed_generation`: the instance's newest finished job failed after its newest attempt (the
  same rule as the scene board, `reads/board.py`).

Every function reads in a fixed number of queries however many scenes, assets and attempts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, true

from stage8.db.finders import find_project
from stage8.db.models import (
    ASSET_TYPES,
    Attempt,
    DecisionEvent,
    GenerationJob,
    Project,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions.references import reference_states
from stage8.desk import Desk
from stage8.errors import InvalidInput
from stage8.reads.board import TYPE_ORDER, _failure_shown, _recent_failures

REASONS = ("undecided", "stale_reference", "new_attempts", "failed_generation")
REASON_LABELS = {
    "undecided": "undecided",
    "stale_reference": "stale reference",
    "new_attempts": "new attempts",
    "failed_generation": "failed generation",
}
# Decisions by which a reviewer has looked at an instance's new attempts.
REVIEW_KINDS = (
    "select",
    "pin",
    "unpin",
    "trash",
    "restore",
    "use_master",
    "use_master_off",
    "revert",
    "upload",
    "reference",
)


@dataclass(frozen=True)
class QueueItem:
    instance_id: int
    project_id: int
    project_name: str
    scene_id: int
    scene_number: int
    scene_title: str
    asset_name: str
    asset_type: str
    reasons: tuple[str, ...]  # in REASONS order
    stale_reason: str | None = None  # what made the chosen reference stale
    failure: str | None = None  # the failed job's error
    new_attempts: int = 0  # how many unreviewed new attempts

    @property
    def order(self) -> tuple:
        """Where the item sits in the queue: scene order, then type, then name."""
        return (
            self.project_id,
            self.scene_number,
            TYPE_ORDER.get(self.asset_type, 9),
            self.asset_name,
            self.instance_id,
        )

    @property
    def labels(self) -> list[str]:
        return [REASON_LABELS[r] for r in self.reasons]


def _check_reasons(reasons: Iterable[str] | None) -> set[str] | None:
    if reasons is None:
        return None
    wanted = set(reasons)
    unknown = sorted(wanted - set(REASONS))
    if unknown:
        raise InvalidInput(
            f"Unknown queue reason {', '.join(unknown)}: use one of {', '.join(REASONS)}."
        )
    return wanted


def _items(session, condition) -> list[QueueItem]:
    """Instances of live scenes matching `condition` that need attention, in queue order."""
    rows = session.execute(
        select(
            SceneAssetInstance.id,
            SceneAssetInstance.selected_attempt_id,
            Scene.id.label("scene_id"),
            Scene.scene_number,
            Scene.title,
            Project.id.label("project_id"),
            Project.name.label("project_name"),
            ProjectAsset.name.label("asset_name"),
            ProjectAsset.asset_type,
        )
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .join(Project, Project.id == Scene.project_id)
        .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
        .where(Scene.deleted_at.is_(None), condition)
    ).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    attempts: dict[int, list] = defaultdict(list)
    for a in session.execute(
        select(Attempt.instance_id, Attempt.id, Attempt.created_at, Attempt.extra).where(
            Attempt.instance_id.in_(ids), Attempt.trashed_at.is_(None)
        )
    ):
        attempts[a.instance_id].append(a)
    reviewed = dict(
        session.execute(
            select(DecisionEvent.instance_id, func.max(DecisionEvent.created_at))
            .where(DecisionEvent.instance_id.in_(ids), DecisionEvent.kind.in_(REVIEW_KINDS))
            .group_by(DecisionEvent.instance_id)
        ).all()
    )
    failures = _recent_failures(session, ids)
    refs = reference_states(session, ids)
    items = []
    for r in rows:
        last_review = reviewed.get(r.id)
        new = [
            a
            for a in attempts[r.id]
            if (a.extra or {}).get("new_unreviewed")
            and a.id != r.selected_attempt_id
            and (last_review is None or last_review < a.created_at)
        ]
        ref = refs.get(r.id)
        failure = _failure_shown(failures.get(r.id), attempts[r.id])
        found = {
            "undecided": r.selected_attempt_id is None,
            "stale_reference": ref is not None and ref.stale,
            "new_attempts": bool(new),
            "failed_generation": failure is not None,
        }
        reasons = tuple(reason for reason in REASONS if found[reason])
        if reasons:
            items.append(
                QueueItem(
                    instance_id=r.id,
                    project_id=r.project_id,
                    project_name=r.project_name,
                    scene_id=r.scene_id,
                    scene_number=r.scene_number,
                    scene_title=r.title,
                    asset_name=r.asset_name,
                    asset_type=r.asset_type,
                    reasons=reasons,
                    stale_reason=ref.stale_reason if ref is not None else None,
                    failure=failure,
                    new_attempts=len(new),
                )
            )
    items.sort(key=lambda item: item.order)
    return items


def review_queue(
    desk: Desk,
    project_name: str | None = None,
    *,
    reasons: Iterable[str] | None = None,
    scene_from: int | None = None,
    scene_to: int | None = None,
    asset_type: str | None = None,
) -> list[QueueItem]:
    """Every instance of the project's live scenes that needs attention, in scene order, then
    type (characters, locations, props), then name; each with all its reasons.

    Filters: `reasons` keeps items with any of those reasons; `scene_from`/`scene_to` are
    inclusive scene numbers; `asset_type` one of character, location, prop. Unknown reasons or
    types raise InvalidInput."""
    wanted = _check_reasons(reasons)
    if asset_type is not None and asset_type not in ASSET_TYPES:
        raise InvalidInput(
            f"Unknown asset type {asset_type!r}: use one of {', '.join(ASSET_TYPES)}."
        )
    with desk.read() as session:
        project = find_project(session, project_name)
        condition = Scene.project_id == project.id
        if scene_from is not None:
            condition &= Scene.scene_number >= scene_from
        if scene_to is not None:
            condition &= Scene.scene_number <= scene_to
        if asset_type is not None:
            condition &= ProjectAsset.asset_type == asset_type
        items = _items(session, condition)
    if wanted is None:
        return items
    return [item for item in items if wanted.intersection(item.reasons)]


def count_reasons(items: Iterable[QueueItem]) -> dict[str, int]:
    """How many items have each reason, and `total` (items, not reasons)."""
    counts = dict.fromkeys(REASONS, 0)
    total = 0
    for item in items:
        total += 1
        for reason in item.reasons:
            counts[reason] += 1
    return {**counts, "total": total}


def queue_counts(desk: Desk, project_name: str | None = None) -> dict[str, int]:
    """Per reason, how many of the project's instances have it; `total`: how many need
    attention at all (an instance with two reasons counts once in the total)."""
    return count_reasons(review_queue(desk, project_name))


def attention_by_scene(desk: Desk) -> dict[int, int]:
    """Every project's live scenes: scene id -> how many instances need attention (scenes where
    none does are left out)."""
    with desk.read() as session:
        items = _items(session, true())
    out: dict[int, int] = defaultdict(int)
    for item in items:
        out[item.scene_id] += 1
    return dict(out)


def attention_stamp(desk: Desk) -> tuple:
    """A cheap marker (one query) that changes whenever the queue can have changed: a decision
    or generation (events), a job that finished, a scene or an instance added. A page can keep
    a count computed under the same stamp instead of reading the queue again."""
    with desk.read() as session:
        return tuple(
            session.execute(
                select(
                    select(func.max(DecisionEvent.id)).scalar_subquery(),
                    select(func.count(GenerationJob.finished_at)).scalar_subquery(),
                    select(func.max(SceneAssetInstance.id)).scalar_subquery(),
                    select(func.max(Scene.id)).scalar_subquery(),
                )
            ).one()
        )


def queue_scopes(desk: Desk) -> dict[str, list[int]]:
    """Every project's name (oldest project first) with its live scene numbers in order: what
    the queue's project and scene-range filters offer (one query)."""
    scopes: dict[str, list[int]] = {}
    with desk.read() as session:
        rows = session.execute(
            select(Project.name, Scene.scene_number)
            .outerjoin(Scene, (Scene.project_id == Project.id) & Scene.deleted_at.is_(None))
            .order_by(Project.id, Scene.scene_number)
        )
        for name, number in rows:
            numbers = scopes.setdefault(name, [])
            if number is not None:
                numbers.append(number)
    return scopes
