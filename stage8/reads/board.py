"""Read models for the pages: the project overview and one scene's board, in a fixed number of
queries however many scenes, assets and attempts there are (no query per asset or attempt)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import aliased

from stage8.db.column_types import Money
from stage8.db.finders import find_project, find_scene
from stage8.db.models import (
    Attempt,
    GenerationJob,
    Image,
    Project,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions import continuity
from stage8.decisions.events import EventView, recent_events
from stage8.decisions.ratings import ratings_for
from stage8.decisions.references import ReferenceState, reference_states
from stage8.decisions.views import AttemptView, attempt_views
from stage8.desk import Desk
from stage8.errors import NotFound

TYPE_ORDER = {"character": 0, "location": 1, "prop": 2}
HISTORY = 20


@dataclass(frozen=True)
class SceneSummary:
    scene_id: int
    scene_number: int
    title: str
    assets: list[str]
    decided: int
    undecided: int
    attempts: int
    total_cost: Decimal


@dataclass(frozen=True)
class ProjectSummary:
    project_id: int
    name: str
    is_demo: bool
    scenes: list[SceneSummary] = field(default_factory=list)


@dataclass(frozen=True)
class AssetPanel:
    instance_id: int
    asset_id: int
    asset_name: str
    asset_type: str
    asset_description: str | None
    instance_description: str | None
    changed: bool
    use_master_as_is: bool
    master_image_key: str | None
    master_thumb_key: str | None
    attempts: list[AttemptView]  # live attempts, oldest first (carousel order)
    reference: ReferenceState | None
    history: list[EventView] = field(default_factory=list)  # newest first, at most HISTORY
    pending_jobs: int = 0  # generation jobs queued or running
    failed_job_error: str | None = None  # the newest job failed after the newest attempt
    version: int = 0  # the instance's version: send it back as a decision's `expected_version`
    # attempt id -> continuity score against the effective reference (absent: not scored yet,
    # or the attempt is an as-is copy of the reference itself)
    continuity: dict[int, int] = field(default_factory=dict)
    ratings: dict[int, int] = field(default_factory=dict)  # attempt id -> 1..5 stars

    @property
    def selected(self) -> AttemptView | None:
        return next((a for a in self.attempts if a.selected), None)

    @property
    def description(self) -> str | None:
        return self.instance_description or self.asset_description


@dataclass(frozen=True)
class SceneBoard:
    project_id: int
    project_name: str
    is_demo: bool
    scene_id: int
    scene_number: int
    title: str
    panels: list[AssetPanel]
    previous_number: int | None
    next_number: int | None


def _panels(session, condition) -> list[AssetPanel]:
    """Panels of the instances matching condition: three batched reads plus the chains."""
    master = aliased(Image)
    rows = session.execute(
        select(SceneAssetInstance, ProjectAsset, master.storage_key, master.thumb_key)
        .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
        .outerjoin(master, master.id == ProjectAsset.image_id)
        .where(condition)
    ).all()
    ids = [inst.id for inst, *_ in rows]
    by_instance: dict[int, list[AttemptView]] = defaultdict(list)
    for view in attempt_views(session, ids):
        by_instance[view.instance_id].append(view)
    refs = reference_states(session, ids)
    scores = continuity.scores_for(
        session,
        {
            (v.image_id, refs[v.instance_id].effective_image_id)
            for v in (a for views in by_instance.values() for a in views)
            if v.instance_id in refs and refs[v.instance_id].effective_image_id is not None
        },
    )
    stars = ratings_for(session, [a.id for views in by_instance.values() for a in views])
    history = recent_events(session, ids, HISTORY)
    pending = dict(
        session.execute(
            select(GenerationJob.instance_id, func.count())
            .where(
                GenerationJob.instance_id.in_(ids),
                GenerationJob.status.in_(("queued", "running")),
            )
            .group_by(GenerationJob.instance_id)
        ).all()
    )
    failures = _recent_failures(session, ids)
    return [
        AssetPanel(
            instance_id=inst.id,
            asset_id=asset.id,
            asset_name=asset.name,
            asset_type=asset.asset_type,
            asset_description=asset.description,
            instance_description=inst.description,
            changed=inst.description is not None or inst.tags is not None,
            use_master_as_is=inst.use_master_as_is,
            master_image_key=key,
            master_thumb_key=thumb,
            attempts=by_instance[inst.id],
            reference=refs.get(inst.id),
            history=history.get(inst.id, []),
            pending_jobs=pending.get(inst.id, 0),
            failed_job_error=_failure_shown(failures.get(inst.id), by_instance[inst.id]),
            version=inst.version,
            continuity=_continuity(by_instance[inst.id], refs.get(inst.id), scores),
            ratings={a.id: stars[a.id] for a in by_instance[inst.id] if a.id in stars},
        )
        for inst, asset, key, thumb in rows
    ]


def _continuity(attempts: list[AttemptView], ref, scores: dict) -> dict[int, int]:
    if ref is None or ref.effective_image_id is None:
        return {}
    pairs = {a.id: (a.image_id, ref.effective_image_id) for a in attempts}
    return {a_id: scores[pair] for a_id, pair in pairs.items() if pair in scores}


def _recent_failures(session, ids: list[int]) -> dict[int, tuple]:
    """The newest finished job of each instance, when it failed: (finished_at, error)."""
    newest: dict[int, tuple] = {}
    rows = session.execute(
        select(
            GenerationJob.instance_id,
            GenerationJob.status,
            GenerationJob.finished_at,
            GenerationJob.last_error,
        )
        .where(GenerationJob.instance_id.in_(ids), GenerationJob.finished_at.is_not(None))
        .order_by(GenerationJob.instance_id, GenerationJob.finished_at)
    )
    for instance_id, status, finished_at, error in rows:
        newest[instance_id] = (status, finished_at, error)
    return {i: (f, e) for i, (st, f, e) in newest.items() if st == "failed"}


def _failure_shown(failure: tuple | None, attempts: list[AttemptView]) -> str | None:
    if failure is None:
        return None
    finished_at, error = failure
    if any(a.created_at > finished_at for a in attempts):
        return None
    return error or "the provider gave no reason"


def load_panel(desk: Desk, instance_id: int) -> AssetPanel:
    """One asset panel (what a fragment rerun needs), in the same few queries."""
    with desk.read() as session:
        panels = _panels(session, SceneAssetInstance.id == instance_id)
    if not panels:
        raise NotFound(f"Scene asset instance {instance_id} no longer exists.")
    return panels[0]


def project_overview(desk: Desk) -> list[ProjectSummary]:
    """Every project with its live scenes in order and per-scene review figures (4 queries)."""
    with desk.read() as session:
        projects = list(session.scalars(select(Project).order_by(Project.id)))
        scenes = list(
            session.scalars(
                select(Scene)
                .where(Scene.deleted_at.is_(None))
                .order_by(Scene.project_id, Scene.scene_number)
            )
        )
        assets = defaultdict(list)
        decided: dict[int, int] = defaultdict(int)
        for scene_id, name, selected in session.execute(
            select(Scene.id, ProjectAsset.name, SceneAssetInstance.selected_attempt_id)
            .join(SceneAssetInstance, SceneAssetInstance.scene_id == Scene.id)
            .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
            .where(Scene.deleted_at.is_(None))
            .order_by(ProjectAsset.asset_type, ProjectAsset.name)
        ):
            assets[scene_id].append(name)
            decided[scene_id] += selected is not None
        totals = {
            scene_id: (n, cost)
            for scene_id, n, cost in session.execute(
                select(
                    SceneAssetInstance.scene_id,
                    func.count(Attempt.id),
                    type_coerce(func.coalesce(func.sum(Attempt.cost_usd), 0), Money()),
                )
                .join(Attempt, Attempt.instance_id == SceneAssetInstance.id)
                .where(Attempt.trashed_at.is_(None))
                .group_by(SceneAssetInstance.scene_id)
            )
        }
    out = {p.id: ProjectSummary(p.id, p.name, p.is_demo) for p in projects}
    for s in scenes:
        n, cost = totals.get(s.id, (0, Decimal("0")))
        out[s.project_id].scenes.append(
            SceneSummary(
                scene_id=s.id,
                scene_number=s.scene_number,
                title=s.title,
                assets=assets[s.id],
                decided=decided[s.id],
                undecided=len(assets[s.id]) - decided[s.id],
                attempts=n,
                total_cost=Decimal(cost or 0),
            )
        )
    return list(out.values())


def scene_board(desk: Desk, scene_number: int, project_name: str | None = None) -> SceneBoard:
    """Everything the scene page shows, loaded in a fixed number of queries."""
    with desk.read() as session:
        project = find_project(session, project_name)
        scene = find_scene(session, project, scene_number)
        panels = _panels(session, SceneAssetInstance.scene_id == scene.id)
        neighbours = list(
            session.scalars(
                select(Scene.scene_number)
                .where(Scene.project_id == project.id, Scene.deleted_at.is_(None))
                .order_by(Scene.scene_number)
            )
        )
    panels.sort(key=lambda p: (TYPE_ORDER.get(p.asset_type, 9), p.asset_name))
    i = neighbours.index(scene.scene_number)
    return SceneBoard(
        project_id=project.id,
        project_name=project.name,
        is_demo=project.is_demo,
        scene_id=scene.id,
        scene_number=scene.scene_number,
        title=scene.title,
        panels=panels,
        previous_number=neighbours[i - 1] if i > 0 else None,
        next_number=neighbours[i + 1] if i + 1 < len(neighbours) else None,
    )


def pending_jobs(desk: Desk, instance_id: int) -> int:
    """How many generation jobs of the instance are queued or running."""
    with desk.read() as session:
        return session.scalar(
            select(func.count())
            .select_from(GenerationJob)
            .where(
                GenerationJob.instance_id == instance_id,
                GenerationJob.status.in_(("queued", "running")),
            )
        )
