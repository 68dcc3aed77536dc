"""Analytics' Continuity, Reasons and Ratings tabs and Storage's Duplicates tab in AppTest, on
the demo desk: empty states that say what to do, the figures the read models give, working
filters, links to the scene, and a fixed number of queries whatever the project's size."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from stage8.db.finders import find_instance
from stage8.db.models import Attempt
from stage8.decisions import continuity
from stage8.decisions.attempts import add_attempt, select_attempt, trash_attempt
from stage8.decisions.ratings import rate_attempt
from stage8.decisions.uploads import upload_images
from stage8.demo.seed import DEMO_PROJECT
from stage8.reads.insights import biggest_drops, continuity_along_scenes
from stage8.ui import state as keys
from tests.bulk_fixtures import build_scene
from tests.integration.test_duplicates import encoded, picture
from tests.ui.helpers import queries_of_a_run, shown

CONTINUITY, REASONS, RATINGS = 1, 2, 3  # the Analytics page's tabs


def analytics(app):
    at = app()
    at.switch_page("app_pages/analytics.py")
    at.run()
    assert not at.exception
    return at


def storage(app):
    at = app()
    at.switch_page("app_pages/storage.py")
    at.run()
    assert not at.exception
    return at


def texts(tab) -> str:
    bodies = [e.value for kind in ("info", "success", "markdown", "caption") for e in tab.get(kind)]
    return "\n".join(shown(b).replace("**", "") for b in bodies)


def attempts_of(desk, scene: int, asset: str) -> tuple[int, list[int]]:
    """The demo instance's id and its live attempt ids in attempt order."""
    with desk.read() as s:
        iid = find_instance(s, None, scene, asset).id
        ids = s.scalars(
            select(Attempt.id)
            .where(Attempt.instance_id == iid, Attempt.trashed_at.is_(None))
            .order_by(Attempt.attempt_number)
        ).all()
    return iid, list(ids)


def test_empty_tabs_say_what_to_do(app):
    at = analytics(app)
    assert "continuity backfill" in texts(at.tabs[CONTINUITY])
    assert "No reason codes given yet" in texts(at.tabs[REASONS])
    assert "keys 1–5" in texts(at.tabs[RATINGS])
    for tab in (CONTINUITY, REASONS, RATINGS):
        assert not at.tabs[tab].get("vega_lite_chart")
    page = storage(app)
    assert [t.label for t in page.tabs] == ["Cleanup", "Duplicates"]
    assert f"No duplicates in {DEMO_PROJECT}." in texts(page.tabs[1])


def test_continuity_chart_drops_with_links_and_filters(app, ui_desk):
    analytics(app)  # seeds the demo
    continuity.backfill(ui_desk)
    expected = biggest_drops(continuity_along_scenes(ui_desk, DEMO_PROJECT))
    assert not expected.empty  # the demo's selected images do drift from scene to scene
    at = analytics(app)
    tab = at.tabs[CONTINUITY]
    assert len(tab.get("vega_lite_chart")) == 1
    assert f"({ui_desk.settings.drift_below}, setting STAGE8_DRIFT_BELOW)" in texts(tab)
    (drops,) = tab.dataframe
    table = drops.value
    assert table["Drop"].tolist() == expected["drop"].tolist()
    assert table["Asset"].tolist() == expected["asset"].tolist()
    first = expected.iloc[0]
    assert table["Scenes"][0] == f"{first.from_scene} → {first.to_scene}"
    link = urlsplit(table["Open"][0])
    assert link.path == "scene"
    assert parse_qs(link.query) == {
        "scene": [str(first.to_scene)],
        "asset": [first.asset],
        "project": [DEMO_PROJECT],
    }
    # Filters: an asset type whose assets never fall, then one asset.
    at.selectbox(key=keys.INSIGHTS_CHAIN_TYPE).set_value("location").run()
    assert "No score falls from one scene to the next." in texts(at.tabs[CONTINUITY])
    assert set(at.selectbox(key=keys.INSIGHTS_CHAIN_ASSET).options) >= {"All", "Lighthouse"}
    at.selectbox(key=keys.INSIGHTS_CHAIN_TYPE).set_value("All").run()
    at.selectbox(key=keys.INSIGHTS_CHAIN_ASSET).set_value(first.asset).run()
    (only,) = at.tabs[CONTINUITY].dataframe
    assert set(only.value["Asset"]) == {first.asset}


def test_reasons_counted_and_filtered_by_decision(app, ui_desk):
    analytics(app)
    _, (m1, m2, *_) = attempts_of(ui_desk, 1, "Mara")
    select_attempt(ui_desk, m2, actor="t", reason_code="lighting")
    trash_attempt(ui_desk, m1, actor="t", reason_code="lighting")
    _, (_, t2, *_) = attempts_of(ui_desk, 3, "Old Tomas")
    select_attempt(ui_desk, t2, actor="t", reason_code="composition")
    at = analytics(app)
    tab = at.tabs[REASONS]
    assert len(tab.get("vega_lite_chart")) == 1
    (counts,) = tab.dataframe
    assert counts.value.values.tolist() == [["lighting", 2], ["composition", 1]]
    at.multiselect(key=keys.INSIGHTS_REASON_DECISIONS).set_value(["trash"]).run()
    (counts,) = at.tabs[REASONS].dataframe
    assert counts.value.values.tolist() == [["lighting", 1]]
    at.multiselect(key=keys.INSIGHTS_REASON_DECISIONS).set_value(["select"])
    at.radio(key=keys.INSIGHTS_REASON_BY).set_value("asset").run()
    (counts,) = at.tabs[REASONS].dataframe
    assert counts.value.values.tolist() == [
        ["Mara", "lighting", 1],
        ["Old Tomas", "composition", 1],
    ]
    at.multiselect(key=keys.INSIGHTS_REASON_DECISIONS).set_value(["use_master_off"]).run()
    assert "No reason codes given for these decisions." in texts(at.tabs[REASONS])


def test_ratings_per_model_and_cost_per_star(app, ui_desk):
    analytics(app)
    _, (m1, m2, *_) = attempts_of(ui_desk, 1, "Mara")
    rate_attempt(ui_desk, m1, 5, actor="t")
    rate_attempt(ui_desk, m2, 2, actor="t")
    with ui_desk.read() as s:
        costs = {
            a: c
            for a, c in s.execute(
                select(Attempt.id, Attempt.cost_usd).where(Attempt.id.in_([m1, m2]))
            )
        }
    at = analytics(app)
    tab = at.tabs[RATINGS]
    assert "2 attempts rated, 3.5 stars on average" in texts(tab)
    assert len(tab.get("vega_lite_chart")) == 2
    per_model, per_star = (d.value for d in tab.dataframe)
    assert per_model[["rated", "mean_stars"]].values.tolist() == [[2, 3.5]]
    assert per_star["stars"].tolist() == [2, 5]
    assert [Decimal(c) for c in per_star["mean_cost_usd"]] == [costs[m2], costs[m1]]


def test_duplicates_totals_table_and_links(app, ui_desk):
    storage(app)
    iid, (first, *_) = attempts_of(ui_desk, 2, "Mara")
    with ui_desk.read() as s:
        image_id = s.get(Attempt, first).image_id
    exact = add_attempt(
        ui_desk,
        iid,
        source="generated",
        image_id=image_id,
        actor="t",
        select_it=False,
        cost_usd=Decimal("0.039"),
    ).attempt
    hero = picture((200, 40, 40))
    upload_images(ui_desk, iid, [("hero.png", encoded(hero, "PNG"))], actor="t", select="none")
    copy = encoded(hero.resize((200, 150)), "JPEG", quality=70)
    near = upload_images(ui_desk, iid, [("copy.jpg", copy)], actor="t", select="none")
    size = near.results[0].attempt.file_size
    at = storage(app)
    tab = at.tabs[1]
    assert f"2 duplicates in 2 groups cost $0.039 and take {size / 1024:.1f} KB" in texts(tab)
    (table,) = tab.dataframe
    rows = table.value.to_dict("records")
    assert [(r["Scene"], r["Asset"], r["Attempt"], r["Kind"][:5]) for r in rows] == [
        (2, "Mara", f"#{exact.attempt_number}", "exact"),
        (2, "Mara", f"#{near.results[0].attempt.attempt_number}", "near "),
    ]
    assert rows[0]["Same as"] == "#1" and rows[0]["Size"] == "0 B"
    assert parse_qs(urlsplit(rows[1]["Open"]).query)["scene"] == ["2"]


def _decide_in(desk, project: str, instances: int) -> None:
    """Ratings and reason codes on the first `instances` assets of a built project."""
    with desk.read() as s:
        pairs = [
            s.scalars(
                select(Attempt.id)
                .where(Attempt.instance_id == find_instance(s, project, 1, f"Asset {n:03d}").id)
                .order_by(Attempt.attempt_number)
                .limit(2)
            ).all()
            for n in range(instances)
        ]
    for n, (first, second) in enumerate(pairs):
        rate_attempt(desk, first, 1 + n % 5, actor="t")
        select_attempt(desk, second, actor="t", reason_code="lighting")


def test_same_queries_for_a_small_and_a_large_project(app, ui_desk):
    build_scene(ui_desk, "Small", assets=3, attempts=2)
    build_scene(ui_desk, "Large", assets=40, attempts=6)  # shared images: exact duplicates
    _decide_in(ui_desk, "Small", 1)
    _decide_in(ui_desk, "Large", 30)
    continuity.backfill(ui_desk)
    at, page = analytics(app), storage(app)
    counts, duplicates = {}, {}
    for project in ("Small", "Large"):
        at.selectbox(key=keys.ANALYTICS_PROJECT).set_value(project).run()  # warm up
        page.selectbox(key=keys.DUPLICATES_PROJECT).set_value(project).run()
        engine = ui_desk.engine
        counts[project] = (queries_of_a_run(at, engine), queries_of_a_run(page, engine))
        assert len(at.tabs[CONTINUITY].get("vega_lite_chart")) == 1
        assert len(at.tabs[RATINGS].get("vega_lite_chart")) == 2
        duplicates[project] = [len(d.value) for d in page.tabs[1].dataframe]
    assert counts["Small"] == counts["Large"], counts
    # Large: each asset's attempts 5 and 6 repeat the bytes of 1 and 2; Small: none.
    assert duplicates == {"Small": [], "Large": [40 * 2]}
    # An asset picked in one project that the next one lacks falls back to All.
    at.selectbox(key=keys.INSIGHTS_CHAIN_ASSET).set_value("Asset 029").run()
    at.selectbox(key=keys.ANALYTICS_PROJECT).set_value("Small").run()
    assert not at.exception
    assert at.selectbox(key=keys.INSIGHTS_CHAIN_ASSET).value == "All"
