"""Analytics per person (issue 14, item 6) on SQLite and PostgreSQL: decisions per reviewer per
day with their role and how they signed in, and the cost of each reviewer's generations."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from stage8.db.models import DecisionEvent
from stage8.decisions.attempts import select_attempt, set_pinned
from stage8.errors import NotFound
from stage8.generation.run import queue_generation, run_job
from stage8.projects import create_project
from stage8.reads.reviewer_analytics import (
    decisions_per_reviewer_per_day,
    generation_cost_per_reviewer,
)
from stage8.reviewers.roles import Identity
from tests.builders import add_generated, project_with_scenes

ANA = Identity("ana@studio.test", "Ana", "reviewer")
BEN = Identity("ben@studio.test", "Ben", "admin")


def test_decisions_per_reviewer_per_day(desk):
    w = project_with_scenes(desk, scenes=1, assets=("Hero",))
    hero = w["instances"][(1, "Hero")]
    ids = [add_generated(desk, hero, w["project"], s).attempt.id for s in (1, 2, 3)]
    with desk.tx() as s:  # the setup's events are not anyone's decisions on the days below
        s.execute(update(DecisionEvent).values(kind="evict"))
    select_attempt(desk, ids[0], actor=ANA)
    set_pinned(desk, ids[1], True, actor=ANA)
    select_attempt(desk, ids[1], actor=BEN)
    select_attempt(desk, ids[2], actor="typed name")
    with desk.tx() as s:  # Ana's first decision was made on an earlier day (late evening UTC)
        first = min(e.id for e in s.query(DecisionEvent).filter(DecisionEvent.actor == ANA.email))
        s.execute(
            update(DecisionEvent)
            .where(DecisionEvent.id == first)
            .values(created_at=datetime(2026, 1, 2, 23, 59, tzinfo=UTC))
        )
    frame = decisions_per_reviewer_per_day(desk, "Test project")
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    rows = sorted(map(tuple, frame.itertuples(index=False)))
    assert rows == sorted(
        [
            ("2026-01-02", "ana@studio.test", "reviewer", "sign-in", 1),
            (today, "ana@studio.test", "reviewer", "sign-in", 1),
            (today, "ben@studio.test", "admin", "sign-in", 1),
            (today, "typed name", "admin", "typed", 1),
        ]
    )
    assert list(frame.day)[-1] == "2026-01-02"  # newest day first
    other = create_project(desk, "Other film")
    assert other and decisions_per_reviewer_per_day(desk, "Other film").empty
    with pytest.raises(NotFound):
        decisions_per_reviewer_per_day(desk, "No such film")


def test_generation_cost_per_reviewer(desk):
    w = project_with_scenes(desk, scenes=1, assets=("Hero", "Villain"))
    hero, villain = w["instances"][(1, "Hero")], w["instances"][(1, "Villain")]
    for instance in (hero, villain):
        [job] = queue_generation(desk, instance, actor=ANA)
        run_job(desk, job, "worker-1")
    [job] = queue_generation(desk, hero, actor=BEN)
    run_job(desk, job, "worker-2")
    add_generated(desk, hero, w["project"], 9, cost=Decimal("1.25"))  # created by "test"
    frame = generation_cost_per_reviewer(desk, "Test project")
    each = desk.provider.estimate_cost()
    got = {r.reviewer: (r.generations, r.cost_usd) for r in frame.itertuples(index=False)}
    assert got == {
        "ana@studio.test": (2, 2 * each),
        "ben@studio.test": (1, each),
        "test": (1, Decimal("1.25")),
    }
    assert all(isinstance(c, Decimal) for c in frame.cost_usd)
    assert list(frame.reviewer) == sorted(got, key=lambda r: (-got[r][1], r))
