"""Analytics of the decisions themselves: continuity along the scenes, the reasons given,
and what ratings say about providers, models and cost (pandas DataFrames, fixed query count).

Like stage8.reads.analytics, every function takes a project name (None: every project) and
counts live scenes only.
"""

from __future__ import annotations

from collections.abc import Iterable
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
        select(
            ProjectAsset.name, ProjectAsset.asset_type, Scene.scene_number, ContinuityScore.score
        )
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
    columns = ["asset", "asset_type", "scene_number", "score"]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


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


def reason_counts(
    reasons: pd.DataFrame, by: str | None, decisions: Iterable[str] | None = None
) -> pd.DataFrame:
    """`top_reasons` summed per reason code (and per `by`: "asset", "provider" or "model"),
    only for the decision kinds in `decisions` (None: all), most given first."""
    if decisions is not None:
        reasons = reasons[reasons.decision.isin(list(decisions))]
    keys = ["reason_code"] if by is None else [by, "reason_code"]
    summed = reasons.groupby(keys, as_index=False, sort=False)["count"].sum()
    order = ["count", *keys]
    return summed.sort_values(order, ascending=[False, *[True] * len(keys)]).reset_index(drop=True)[
        [*keys, "count"]
    ]


def rated_attempts(desk: Desk, project: str | None) -> pd.DataFrame:
    """Every rated attempt (its current stars: the newest "rate" event, stage8.decisions.ratings)
    with its asset, provider, model and exact cost; one query. Trashed attempts keep their
    rating: the money was spent and the judgement made."""
    newest = (
        select(func.max(DecisionEvent.id))
        .where(DecisionEvent.kind == "rate", DecisionEvent.attempt_id.is_not(None))
        .group_by(DecisionEvent.attempt_id)
    )
    stmt = (
        select(
            Attempt.id,
            ProjectAsset.name,
            func.coalesce(Attempt.provider, "—"),
            func.coalesce(Attempt.model, "—"),
            Attempt.cost_usd,
            DecisionEvent.after,
        )
        .select_from(DecisionEvent)
        .join(Attempt, Attempt.id == DecisionEvent.attempt_id)
        .join(_Inst, _Inst.id == Attempt.instance_id)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(Project, Project.id == Scene.project_id)
        .join(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
        .where(DecisionEvent.id.in_(newest))
        .order_by(Attempt.id)
    )
    out = [
        (attempt_id, asset, provider, model, int(after["stars"]), cost)
        for attempt_id, asset, provider, model, cost, after in _rows(desk, stmt, project)
        if after and after.get("stars") is not None  # a cleared rating
    ]
    columns = ["attempt_id", "asset", "provider", "model", "stars", "cost_usd"]
    return pd.DataFrame(out, columns=columns)


def _mean_cost(costs) -> Decimal | None:
    known = [Decimal(c) for c in costs if c is not None and not pd.isna(c)]
    return sum(known, Decimal(0)) / len(known) if known else None


def model_ratings(rated: pd.DataFrame) -> pd.DataFrame:
    """Per provider and model (from `rated_attempts`): attempts rated, mean stars, mean cost."""
    out = [
        (
            provider,
            model,
            len(group),
            round(float(group.stars.mean()), 2),
            _mean_cost(group.cost_usd),
        )
        for (provider, model), group in rated.groupby(["provider", "model"], sort=True)
    ]
    columns = ["provider", "model", "rated", "mean_stars", "mean_cost_usd"]
    return pd.DataFrame(out, columns=columns)


def cost_by_stars(rated: pd.DataFrame) -> pd.DataFrame:
    """Per star count 1-5 (from `rated_attempts`): attempts rated so, their mean and total cost
    (exact; stars nobody gave are left out)."""
    out = [
        (
            int(stars),
            len(group),
            _mean_cost(group.cost_usd),
            sum((Decimal(c) for c in group.cost_usd if c is not None), Decimal(0)),
        )
        for stars, group in rated.groupby("stars", sort=True)
    ]
    columns = ["stars", "rated", "mean_cost_usd", "total_cost_usd"]
    return pd.DataFrame(out, columns=columns)


def ratings_by_model(desk: Desk, project: str | None) -> pd.DataFrame:
    """Per provider and model: attempts rated, their mean stars and mean cost (exact)."""
    return model_ratings(rated_attempts(desk, project))
