"""Analytics of decisions: continuity along the scenes, reasons, ratings (both databases)."""

import itertools
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from stage8.db.models import Attempt, ContinuityScore, ProjectAsset, SceneAssetInstance
from stage8.decisions import continuity
from stage8.decisions.attempts import add_attempt, select_attempt, trash_attempt
from stage8.decisions.ratings import rate_attempt
from stage8.reads.insights import (
    biggest_drops,
    continuity_along_scenes,
    cost_by_stars,
    model_ratings,
    rated_attempts,
    ratings_by_model,
    reason_counts,
    top_reasons,
)
from tests.builders import add_generated, project_with_scenes, stored_image


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


def _score_selected_against_master(desk, instance_id, score):
    """A hand-made continuity score of the instance's selected image against its master."""
    with desk.tx() as session:
        instance = session.get(SceneAssetInstance, instance_id)
        master = session.scalar(
            select(ProjectAsset.image_id).where(ProjectAsset.id == instance.asset_id)
        )
        image = session.get(Attempt, instance.selected_attempt_id).image_id
        session.add(
            ContinuityScore(
                image_id=image,
                reference_image_id=master,
                score=score,
                perceptual=0.5,
                gradient=0.5,
                colour=0.5,
                structure=0.5,
            )
        )


def test_two_scenes_with_known_scores_give_a_known_drop(desk, world):
    hero = world["instances"]
    _score_selected_against_master(desk, hero[(1, "Hero")], 88)
    _score_selected_against_master(desk, hero[(2, "Hero")], 51)  # scene 3 not scored yet
    chain = continuity_along_scenes(desk, "Test project")
    assert chain.to_dict("records") == [
        {"asset": "Hero", "asset_type": "character", "scene_number": 1, "score": 88},
        {"asset": "Hero", "asset_type": "character", "scene_number": 2, "score": 51},
    ]
    assert biggest_drops(chain).to_dict("records") == [
        {
            "asset": "Hero",
            "from_scene": 1,
            "to_scene": 2,
            "from_score": 88,
            "to_score": 51,
            "drop": 37,
        }
    ]
    assert continuity_along_scenes(desk, None).score.tolist() == [88, 51]


def _other_provider(desk, world, scene, seed, cost):
    """An attempt of Hero in `scene` made by another provider and model."""
    return add_attempt(
        desk,
        world["instances"][(scene, "Hero")],
        source="generated",
        image_id=stored_image(desk, world["project"], seed),
        actor="test",
        select_it=False,
        cost_usd=cost,
        provider="gemini",
        model="gemini-2.5-flash-image",
    ).attempt.id


def test_reasons_counted_per_provider_and_filtered_by_decision(desk, world):
    g1 = _other_provider(desk, world, 1, 71, Decimal("0.05"))
    g2 = _other_provider(desk, world, 2, 72, Decimal("0.05"))
    a1, a2 = world["attempts"][1]
    trash_attempt(desk, g1, actor="ana", reason_code="lighting")
    trash_attempt(desk, g2, actor="ana", reason_code="lighting")
    select_attempt(desk, a2, actor="ana", reason_code="composition")
    trash_attempt(desk, a1, actor="ana", reason_code="lighting")
    reasons = top_reasons(desk, "Test project")
    per_provider = reason_counts(reasons, "provider")
    assert per_provider.values.tolist() == [
        ["gemini", "lighting", 2],
        ["offline", "composition", 1],
        ["offline", "lighting", 1],
    ]
    assert reason_counts(reasons, None).values.tolist() == [["lighting", 3], ["composition", 1]]
    assert reason_counts(reasons, "model", ["select"]).values.tolist() == [
        ["offline-preview-1", "composition", 1]
    ]
    assert reason_counts(reasons, "asset", []).empty


def test_ratings_averaged_per_model_and_cost_per_star(desk, world):
    g1 = _other_provider(desk, world, 1, 71, Decimal("0.10"))
    g2 = _other_provider(desk, world, 2, 72, Decimal("0.20"))
    a1, a2 = world["attempts"][1]
    rate_attempt(desk, g1, 5, actor="ana")
    rate_attempt(desk, g2, 4, actor="ana")
    rate_attempt(desk, a1, 1, actor="ana")
    rate_attempt(desk, a2, 3, actor="ana")
    rate_attempt(desk, a2, None, actor="bo")  # cleared: not rated any more
    rated = rated_attempts(desk, "Test project")
    assert sorted(rated.stars) == [1, 4, 5]
    assert model_ratings(rated).to_dict("records") == [
        {
            "provider": "gemini",
            "model": "gemini-2.5-flash-image",
            "rated": 2,
            "mean_stars": 4.5,
            "mean_cost_usd": Decimal("0.15"),
        },
        {
            "provider": "offline",
            "model": "offline-preview-1",
            "rated": 1,
            "mean_stars": 1.0,
            "mean_cost_usd": Decimal("0.039"),
        },
    ]
    assert cost_by_stars(rated).values.tolist() == [
        [1, 1, Decimal("0.039"), Decimal("0.039")],
        [4, 1, Decimal("0.2"), Decimal("0.2")],
        [5, 1, Decimal("0.1"), Decimal("0.1")],
    ]


def test_nothing_rated_or_reasoned_gives_empty_frames(desk, world):
    assert rated_attempts(desk, "Test project").empty
    assert model_ratings(rated_attempts(desk, "Test project")).empty
    assert cost_by_stars(rated_attempts(desk, "Test project")).empty
    assert reason_counts(top_reasons(desk, "Test project"), "asset").empty
