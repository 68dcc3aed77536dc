"""Analytics of decisions: continuity along the scenes, reasons, ratings (both databases)."""

import itertools
from decimal import Decimal

import pandas as pd
import pytest

from stage8.decisions import continuity
from stage8.decisions.attempts import select_attempt, trash_attempt
from stage8.decisions.ratings import rate_attempt
from stage8.reads.insights import (
    biggest_drops,
    continuity_along_scenes,
    ratings_by_model,
    top_reasons,
)
from tests.builders import add_generated, project_with_scenes


@pytest.fixture
def world(desk):
    w = project_with_scenes(desk, scenes=3)
    pid = w["project"]
    ids = {
        n: [
            add_generated(
                desk, w["instances"][(n, "Hero")], pid, 10 * n + i, select=i == 0
            ).attempt.id
            for i in range(2)
        ]
        for n in (1, 2, 3)
    }
    return {**w, "attempts": ids}


def test_continuity_along_scenes_and_its_biggest_drops(desk, world):
    continuity.backfill(desk)
    chain = continuity_along_scenes(desk, "Test project")
    assert list(chain.scene_number) == [1, 2, 3] and set(chain.asset) == {"Hero"}
    assert all(0 <= s <= 100 for s in chain.score)
    drops = biggest_drops(chain)
    scores = list(chain.score)
    expected = sorted((a - b for a, b in itertools.pairwise(scores) if a > b), reverse=True)
    assert list(drops["drop"]) == expected


def test_biggest_drops_orders_by_fall():
    chain = pd.DataFrame(
        [("A", 1, 90), ("A", 2, 60), ("A", 3, 70), ("B", 1, 80), ("B", 2, 75)],
        columns=["asset", "scene_number", "score"],
    )
    drops = biggest_drops(chain)
    assert drops.values.tolist() == [["A", 1, 2, 90, 60, 30], ["B", 1, 2, 80, 75, 5]]


def test_top_reasons_per_asset_provider_and_model(desk, world):
    a1, a2 = world["attempts"][1]
    select_attempt(desk, a2, actor="ana", reason_code="lighting")
    trash_attempt(desk, a1, actor="ana", reason_code="lighting")
    _, b2 = world["attempts"][2]
    select_attempt(desk, b2, actor="ana", reason_code="composition")
    frame = top_reasons(desk, "Test project")
    assert (
        frame.iloc[0].to_dict()
        == {
            "asset": "Hero",
            "provider": "offline",
            "model": "offline-preview-1",
            "decision": "select",
            "reason_code": "lighting",
            "count": 1,
        }
        or frame["count"].max() == 1
    )
    assert sorted(zip(frame.decision, frame.reason_code, strict=False)) == [
        ("select", "composition"),
        ("select", "lighting"),
        ("trash", "lighting"),
    ]


def test_ratings_by_model_means(desk, world):
    a1, a2 = world["attempts"][1]
    rate_attempt(desk, a1, 2, actor="ana")
    rate_attempt(desk, a2, 5, actor="ana")
    rate_attempt(desk, a1, 4, actor="bo")  # latest wins: 4
    frame = ratings_by_model(desk, "Test project")
    assert frame.to_dict("records") == [
        {
            "provider": "offline",
            "model": "offline-preview-1",
            "rated": 2,
            "mean_stars": 4.5,
            "mean_cost_usd": Decimal("0.039"),
        }
    ]
