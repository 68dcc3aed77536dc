"""Analytics per person (issue 14, item 6): decisions each reviewer made per day, and what the
generations each reviewer asked for cost. Aggregated in SQL, one query each, like
`stage8.reads.analytics`, whose conventions (live scenes, exact Decimal costs) they share.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.sql.elements import ColumnElement

from stage8.db.finders import find_project
from stage8.db.models import Attempt, DecisionEvent, GenerationJob, Project
from stage8.desk import Desk
from stage8.reads.analytics import _attempts_in_scenes, _costs, _money, _run

# Events a person decides; `evict` (the cap) and `generate` (a finished job) are the desk's.
PERSON_KINDS = (
    "select",
    "revert",
    "add_attempt",
    "upload",
    "use_master",
    "use_master_off",
    "reference",
    "pin",
    "unpin",
    "trash",
    "restore",
    "cleanup",
    "purge",
    "scene_delete",
    "scene_restore",
)


def _utc_day(desk: Desk, column) -> ColumnElement:
    """The UTC calendar day of a UTCDateTime column, as the database computes it."""
    if desk.dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)  # SQLite keeps naive UTC text


def decisions_per_reviewer_per_day(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """day (YYYY-MM-DD, UTC), reviewer, role, source, decisions: one row per person, role and
    way of signing in per day with decisions, newest day first. Role and source are empty for
    events from before roles were recorded."""
    day = _utc_day(desk, DecisionEvent.created_at)
    stmt: Select = (
        select(
            day,
            DecisionEvent.actor,
            DecisionEvent.role,
            DecisionEvent.actor_source,
            func.count(DecisionEvent.id),
        )
        .join(Project, Project.id == DecisionEvent.project_id)
        .where(DecisionEvent.kind.in_(PERSON_KINDS))
        .group_by(day, DecisionEvent.actor, DecisionEvent.role, DecisionEvent.actor_source)
        .order_by(day.desc(), DecisionEvent.actor)
    )
    with desk.read() as session:
        if project is not None:
            find_project(session, project)  # a clear NotFound for a misspelt name
            stmt = stmt.where(Project.name == project)
        rows = session.execute(stmt).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["day", "reviewer", "role", "source", "decisions"]
    )


def generation_cost_per_reviewer(desk: Desk, project: str | None = None) -> pd.DataFrame:
    """reviewer, generations, cost_usd: what the generated attempts each person queued cost
    (the job's requester; the attempt's creator for attempts without a job), trashed ones
    included, most expensive first."""
    who = func.coalesce(GenerationJob.requested_by, Attempt.created_by, "unknown")
    cost = _money(func.sum(Attempt.cost_usd))
    stmt = (
        _attempts_in_scenes(who, func.count(Attempt.id), cost)
        .outerjoin(GenerationJob, GenerationJob.id == Attempt.generation_job_id)
        .where(Attempt.source == "generated")
        .group_by(who)
    )
    frame = _costs(_run(desk, stmt, project, ["reviewer", "generations", "cost_usd"]), "cost_usd")
    return frame.sort_values(["cost_usd", "reviewer"], ascending=[False, True], ignore_index=True)
