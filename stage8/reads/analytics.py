"""The figures a producer asks for, as pandas DataFrames aggregated in SQL.

Every function takes a project name (None: every project together), counts live scenes only,
and runs a fixed number of queries however many attempts there are. Costs are exact Decimals
(object columns) and count every attempt still in the database, trashed ones included: the
money was spent whether or not the image was kept. Purged attempts are gone and not counted.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, case, exists, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from stage8.db.column_types import Money
from stage8.db.finders import find_project
from stage8.db.models import (
    ATTEMPT_SOURCES,
    Attempt,
    DecisionEvent,
    Project,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions.references import reference_states
from stage8.decisions.views import SOURCE_LABELS
from stage8.desk import Desk

_Inst = SceneAssetInstance
_sel = aliased(Attempt, name="selected_attempt")
_BATCH = 5000  # instances per reference query: keeps IN lists under SQLite's variable limit


def _money(expr) -> object:
    return type_coerce(func.coalesce(expr, 0), Money())


def _scoped(stmt: Select, project: str | None) -> Select:
    stmt = stmt.where(Scene.deleted_at.is_(None))
    return stmt if project is None else stmt.where(Project.name == project)


def _run(desk: Desk, stmt: Select, project: str | None, columns: list[str]) -> pd.DataFrame:
    with desk.read() as session:
        if project is not None:
            find_project(session, project)  # a clear NotFound for a misspelt name
        rows = session.execute(_scoped(stmt, project)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _costs(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    for name in names:
        frame[name] = [Decimal(v) for v in frame[name]]
    return frame


def cost_per_scene(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """project, scene_number, scene_title, attempts, cost_usd: one row per live scene in
    order, scenes without attempts included with zero."""
    stmt = (
        select(
            Project.name,
            Scene.scene_number,
            Scene.title,
            func.count(Attempt.id),
            _money(func.sum(Attempt.cost_usd)),
        )
        .select_from(Scene)
        .join(Project, Project.id == Scene.project_id)
        .outerjoin(_Inst, _Inst.scene_id == Scene.id)
        .outerjoin(Attempt, Attempt.instance_id == _Inst.id)
        .group_by(Project.id, Project.name, Scene.id, Scene.scene_number, Scene.title)
        .order_by(Project.id, Scene.scene_number)
    )
    names = ["project", "scene_number", "scene_title", "attempts", "cost_usd"]
    return _costs(_run(desk, stmt, project, names), "cost_usd")


def _attempts_in_scenes(*columns) -> Select:
    return (
        select(*columns)
        .select_from(Attempt)
        .join(_Inst, _Inst.id == Attempt.instance_id)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(Project, Project.id == Scene.project_id)
        .join(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
    )


def cost_per_asset_type(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """asset_type, attempts, cost_usd: one row per asset type that has attempts."""
    stmt = (
        _attempts_in_scenes(
            ProjectAsset.asset_type, func.count(Attempt.id), _money(func.sum(Attempt.cost_usd))
        )
        .group_by(ProjectAsset.asset_type)
        .order_by(ProjectAsset.asset_type)
    )
    frame = _run(desk, stmt, project, ["asset_type", "attempts", "cost_usd"])
    return _costs(frame, "cost_usd")


def never_selected_cost(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """project, scene_number, attempts, never_selected, cost_usd, never_selected_cost_usd per
    live scene with attempts.

    An attempt was selected if it is the selection now or a reviewer picked it at some time
    (a `select` or `revert` decision event names it). One that was only selected by the
    desk itself (the first attempt of an empty instance) and then replaced counts as never
    selected: it is the money regenerating cost.
    """
    ever = or_(
        _Inst.selected_attempt_id == Attempt.id,
        exists().where(
            DecisionEvent.instance_id == Attempt.instance_id,
            DecisionEvent.attempt_id == Attempt.id,
            DecisionEvent.kind.in_(("select", "revert")),
        ),
    )
    never = case((ever, 0), else_=1)
    stmt = (
        _attempts_in_scenes(
            Project.name,
            Scene.scene_number,
            func.count(Attempt.id),
            func.sum(never),
            _money(func.sum(Attempt.cost_usd)),
            _money(func.sum(case((ever, None), else_=Attempt.cost_usd))),
        )
        .group_by(Project.id, Project.name, Scene.id, Scene.scene_number)
        .order_by(Project.id, Scene.scene_number)
    )
    names = ["project", "scene_number", "attempts", "never_selected", "cost_usd"]
    frame = _run(desk, stmt, project, [*names, "never_selected_cost_usd"])
    frame["never_selected"] = frame["never_selected"].astype("int64")
    return _costs(frame, "cost_usd", "never_selected_cost_usd")


def _decided(*columns) -> Select:
    return (
        select(*columns)
        .select_from(_Inst)
        .join(_sel, _sel.id == _Inst.selected_attempt_id)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(Project, Project.id == Scene.project_id)
    )


def selected_attempt_numbers(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """attempt_number, source, instances: which attempt number ends up selected (does the
    first try win?), split by the source of the selected attempt."""
    stmt = (
        _decided(_sel.attempt_number, _sel.source, func.count(_Inst.id))
        .group_by(_sel.attempt_number, _sel.source)
        .order_by(_sel.attempt_number, _sel.source)
    )
    return _run(desk, stmt, project, ["attempt_number", "source", "instances"])


def selected_sources(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """source, label, instances, share: where the selected images come from (generated,
    uploaded, master as-is, legacy); share is of all decided instances, summing to 1."""
    stmt = _decided(_sel.source, func.count(_Inst.id)).group_by(_sel.source)
    counts = dict(_run(desk, stmt, project, ["source", "instances"]).itertuples(index=False))
    total = sum(counts.values())
    rows = [
        (s, SOURCE_LABELS[s], counts.get(s, 0), counts.get(s, 0) / total if total else 0.0)
        for s in ATTEMPT_SOURCES
    ]
    return pd.DataFrame(rows, columns=["source", "label", "instances", "share"])


def attempts_per_decided_instance(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """attempts, instances: how many attempts (trashed included) decided instances took."""
    per_instance = (
        _scoped(
            _decided(_Inst.id.label("instance_id"), func.count(Attempt.id).label("n"))
            .join(Attempt, Attempt.instance_id == _Inst.id)
            .group_by(_Inst.id),
            project,
        )
    ).subquery()
    stmt = (
        select(per_instance.c.n, func.count()).group_by(per_instance.c.n).order_by(per_instance.c.n)
    )
    with desk.read() as session:
        if project is not None:
            find_project(session, project)
        rows = session.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["attempts", "instances"])


def review_coverage(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """project, scene_number, scene_title, instances, decided, undecided, stale_reference per
    live scene: decided means a selected image; stale means the reviewer's chosen master
    reference no longer matches its scene (see stage8.decisions.references)."""
    stmt = (
        select(
            Project.name,
            Scene.id,
            Scene.scene_number,
            Scene.title,
            func.count(_Inst.id),
            func.count(_Inst.selected_attempt_id),
        )
        .select_from(Scene)
        .join(Project, Project.id == Scene.project_id)
        .outerjoin(_Inst, _Inst.scene_id == Scene.id)
        .group_by(Project.id, Project.name, Scene.id, Scene.scene_number, Scene.title)
        .order_by(Project.id, Scene.scene_number)
    )
    chosen = select(_Inst.id, _Inst.scene_id).join(Scene, Scene.id == _Inst.scene_id)
    chosen = chosen.join(Project, Project.id == Scene.project_id)
    chosen = chosen.where(_Inst.reference_image_id.is_not(None))
    stale: Counter[int] = Counter()
    with desk.read() as session:
        if project is not None:
            find_project(session, project)
        rows = session.execute(_scoped(stmt, project)).all()
        # Only a reviewer's choice can be stale; the default reference never is.
        pairs = session.execute(_scoped(chosen, project)).all()
        for i in range(0, len(pairs), _BATCH):
            batch = dict(pairs[i : i + _BATCH])
            for instance_id, state in reference_states(session, batch).items():
                stale[batch[instance_id]] += state.stale
    data = [
        (name, number, title, total, decided, total - decided, stale[scene_id])
        for name, scene_id, number, title, total, decided in rows
    ]
    columns = ["project", "scene_number", "scene_title", "instances", "decided", "undecided"]
    return pd.DataFrame(data, columns=[*columns, "stale_reference"])
