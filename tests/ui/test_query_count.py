"""The scene page makes the same number of SQL queries for 5 assets as for 50 or 100 (no N+1;
a long scene shows a page of rows at a time, from the same few queries)."""

from tests.bulk_fixtures import build_scene
from tests.ui.helpers import queries_of_a_run


def test_same_queries_for_5_and_50_assets(app, ui_desk):
    build_scene(ui_desk, "Small", assets=5, attempts=8)
    build_scene(ui_desk, "Large", assets=50, attempts=8)
    build_scene(ui_desk, "Long", assets=100, attempts=2)
    counts = {}
    for name in ("Small", "Large", "Long"):
        at = app(scene=1, project=name)
        at.run()  # warm up: caches, demo seeding, first-run work
        counts[name] = queries_of_a_run(at, ui_desk.engine)
    assert counts["Small"] == counts["Large"] == counts["Long"], counts
    # The scene board's reads (instances, attempts, chains, continuity, ratings, history, jobs,
    # failures, neighbours), the sidebar's review-queue stamp and the live poll's versions:
    # fixed whatever the size.
    assert counts["Small"] <= 17, counts
