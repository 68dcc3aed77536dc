"""Analytics of the decisions themselves: continuity along the scenes, the reasons given,
and what ratings say about providers, models and cost (pandas DataFrames, fixed query count).

Like stage8.reads.analytics, every function takes a project name (None: every project) and
counts live scenes only.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from stage8.db.finders import find_project
from stage8.db.models import (
    Attempt,
    ContinuityScore,
    DecisionEvent,
    Project,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions.ratings import ratings_for
from stage8.desk import Desk

_Inst = SceneAssetInstance


def _scope(stmt, project: str | None):
    stmt = stmt.where(Scene.deleted_at.is_(None))
    return stmt if project is None else stmt.where(Project.name == project)


def _rows(desk: Desk, stmt, project: str | None) -> list:
    with desk.read() as session:
        if project is not None:
            find_project(session, project)  # a clear NotFound for a misspelt name
        return session.execute(_scope(stmt, project)).all()


def continuity_along_scenes(desk: Desk, project: str | None) -> pd.DataFrame:
    """Per asset and scene, in scene order: the selected image's continuity score against the
    asset's master image (scenes whose pair is not scored yet are left out)."""
    selected = aliased(Attempt)
    stmt = (
        select(ProjectAsset.name, Scene.scene_number, ContinuityScore.score)
        .select_from(_Inst)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(Project, Project.id == Scene.project_id)
        .join(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
        .join(selected, selected.id == _Inst.selected_attempt_id)
        .join(
            ContinuityScore,
            (ContinuityScore.image_id == selected.image_id)
            & (ContinuityScore.reference_image_id == ProjectAsset.image_id),
        )
        .order_by(ProjectAsset.name, Scene.scene_number)
    )
    rows = _rows(desk, stmt, project)
    return pd.DataFrame([tuple(r) for r in rows], columns=["asset", "scene_number", "score"])


def biggest_drops(chain: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The largest falls in score from one scored scene to the next of the same asset."""
    columns = ["asset", "from_scene", "to_scene", "from_score", "to_score", "drop"]
    drops = []
    for asset, group in chain.groupby("asset", sort=True):
        ordered = group.sort_values("scene_number")
        pairs = zip(ordered.itertuples(), ordered.iloc[1:].itertuples(), strict=False)
        for before, after in pairs:
            fall = int(before.score) - int(after.score)
            if fall > 0:
                drops.append(
                    (
                        asset,
                        before.scene_number,
                        after.scene_number,
                        before.score,
                        after.score,
                        fall,
                    )
                )
    frame = pd.DataFrame(drops, columns=columns)
    return (
        frame.sort_values(["drop", "asset"], ascending=[False, True])
        .head(limit)
        .reset_index(drop=True)
    )


def top_reasons(desk: Desk, project: str | None) -> pd.DataFrame:
    """How often each reason code was given, per asset, provider and model of the attempt the
    decision was about (for a select: the attempt selected; for a trash: the one trashed)."""
    stmt = (
        select(
            ProjectAsset.name,
            func.coalesce(Attempt.provider, "—"),
            func.coalesce(Attempt.model, "—"),
            DecisionEvent.kind,
            DecisionEvent.reason_code,
            func.count(),
        )
        .select_from(DecisionEvent)
        .join(_Inst, _Inst.id == DecisionEvent.instance_id)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(Project, Project.id == Scene.project_id)
        .join(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
        .outerjoin(Attempt, Attempt.id == DecisionEvent.attempt_id)
        .where(DecisionEvent.reason_code.is_not(None))
        .group_by(
            ProjectAsset.name,
            Attempt.provider,
            Attempt.model,
            DecisionEvent.kind,
            DecisionEvent.reason_code,
        )
    )
    rows = _rows(desk, stmt, project)
    columns = ["asset", "provider", "model", "decision", "reason_code", "count"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    return frame.sort_values(["count", "asset"], ascending=[False, True]).reset_index(drop=True)


def ratings_by_model(desk: Desk, project: str | None) -> pd.DataFrame:
    """Per provider and model: attempts rated, their mean stars and mean cost (exact)."""
    stmt = (
        select(Attempt.id, Attempt.provider, Attempt.model, Attempt.cost_usd)
        .join(_Inst, _Inst.id == Attempt.instance_id)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(Project, Project.id == Scene.project_id)
    )
    rows = _rows(desk, stmt, project)
    with desk.read() as session:
        stars = ratings_for(session, [r[0] for r in rows])
    groups: dict[tuple[str, str], list[tuple[int, Decimal | None]]] = {}
    for attempt_id, provider, model, cost in rows:
        if attempt_id in stars:
            key = (provider or "—", model or "—")
            groups.setdefault(key, []).append((stars[attempt_id], cost))
    out = []
    for (provider, model), rated in sorted(groups.items()):
        costs = [Decimal(c) for _, c in rated if c is not None]
        mean_cost = sum(costs, Decimal(0)) / len(costs) if costs else None
        mean_stars = round(sum(s for s, _ in rated) / len(rated), 2)
        out.append((provider, model, len(rated), mean_stars, mean_cost))
    columns = ["provider", "model", "rated", "mean_stars", "mean_cost_usd"]
    return pd.DataFrame(out, columns=columns)
