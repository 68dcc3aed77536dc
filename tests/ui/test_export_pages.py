"""The Export and Analytics pages in AppTest, on the demo desk: filters, preview, and downloads
that hold exactly the bytes the services produce.

Export downloads are deferred (a callable runs when the button is clicked), so the test records
what each button registered with the media file manager and calls it; figure CSVs are static
bytes, recorded the same way.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from stage8.demo.seed import DEMO_PROJECT
from stage8.reads import analytics, reviewer_analytics
from stage8.reads.export.stream import ExportFilters, export_bytes
from stage8.ui import state as keys
from stage8.ui.export_widgets import csv_bytes
from tests.integration.test_export import assert_same, read_back
from tests.ui.helpers import shown


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """File name → the callable (export buttons) or bytes (figure CSVs) each button holds."""
    seen: dict[str, object] = {}
    add_deferred, add = MediaFileManager.add_deferred, MediaFileManager.add

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    def static(self, data, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    monkeypatch.setattr(MediaFileManager, "add", static)
    return seen


def export_page(app):
    at = app()
    at.switch_page("app_pages/export.py")
    return at.run()


def built(downloads: dict, what: str, ext: str) -> bytes:
    names = [n for n in downloads if re.fullmatch(rf"stage8-{what}-\d{{8}}-\d{{4}}\.{ext}", n)]
    assert len(names) == 1, list(downloads)
    return downloads[names[0]]()


def test_export_page_downloads_the_filtered_table(app, ui_desk, downloads):
    at = export_page(app)
    assert not at.exception
    assert [t.value for t in at.title] == ["Export"]
    assert [b.label for b in at.get("download_button")] == ["CSV", "Parquet", "Excel", "JSON Lines"]
    assert any("**32** rows match" in m.value for m in at.markdown)
    preview = at.dataframe[0].value
    assert len(preview) == 32 and preview["asset_name"].notna().all()
    assert built(downloads, "attempts", "csv") == export_bytes(ui_desk, "attempts", "csv")

    at.radio(key=keys.EXPORT_WHAT).set_value("instances")
    at.selectbox(key=keys.EXPORT_PROJECT).set_value(DEMO_PROJECT)
    at.number_input(key=keys.EXPORT_SCENE_FROM).set_value(2)
    at.number_input(key=keys.EXPORT_SCENE_TO).set_value(4)
    at.selectbox(key=keys.EXPORT_SOURCE).set_value("generated")
    at.checkbox(key=keys.EXPORT_SELECTED_ONLY).check()
    downloads.clear()
    at.run()
    assert not at.exception
    chosen = ExportFilters(
        project=DEMO_PROJECT, scene_from=2, scene_to=4, source="generated", selected_only=True
    )
    want = export_bytes(ui_desk, "instances", "jsonl", chosen)
    assert built(downloads, "instances", "jsonl") == want
    rows = read_back("instances", "jsonl", want)
    assert rows and all(2 <= r["scene_number"] <= 4 for r in rows)
    assert any(f"**{len(rows)}** rows match" in m.value for m in at.markdown)
    for fmt, ext in (("parquet", "parquet"), ("xlsx", "xlsx"), ("csv", "csv")):
        got = read_back("instances", fmt, built(downloads, "instances", ext))
        assert_same("instances", fmt, got, rows)  # Excel keeps times to the millisecond


def test_filters_that_mean_nothing_are_disabled(app):
    at = export_page(app)
    at.radio(key=keys.EXPORT_WHAT).set_value("events").run()
    assert at.checkbox(key=keys.EXPORT_SELECTED_ONLY).disabled
    assert at.checkbox(key=keys.EXPORT_INCLUDE_TRASHED).disabled
    at.radio(key=keys.EXPORT_WHAT).set_value("attempts").run()
    assert not at.checkbox(key=keys.EXPORT_INCLUDE_TRASHED).disabled


def test_contradictory_filters_say_what_is_wrong(app):
    at = export_page(app)
    at.number_input(key=keys.EXPORT_SCENE_FROM).set_value(5)
    at.number_input(key=keys.EXPORT_SCENE_TO).set_value(2).run()
    assert not at.exception
    assert any("range is empty" in shown(e.value) for e in at.error)
    assert not at.get("download_button")


FIGURES = {
    "cost_per_scene": analytics.cost_per_scene,
    "cost_per_asset_type": analytics.cost_per_asset_type,
    "never_selected_cost": analytics.never_selected_cost,
    "selected_attempt_numbers": analytics.selected_attempt_numbers,
    "selected_sources": analytics.selected_sources,
    "attempts_per_decided_instance": analytics.attempts_per_decided_instance,
    "review_coverage": analytics.review_coverage,
    "decisions_per_reviewer": reviewer_analytics.decisions_per_reviewer_per_day,
    "generation_cost_per_reviewer": reviewer_analytics.generation_cost_per_reviewer,
}


def test_analytics_page_charts_tables_and_csvs(app, ui_desk, downloads):
    at = app()
    at.switch_page("app_pages/analytics.py")
    at.run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Cost and review", "Continuity", "Reasons", "Ratings"]
    costs = at.tabs[0]  # the other tabs: tests/ui/test_insights_pages.py
    assert [s.value for s in costs.subheader] == [
        "Cost per scene",
        "Cost per asset type",
        "Cost of attempts never selected",
        "Which attempt ends up selected",
        "Selected images by source",
        "Attempts per decided scene asset",
        "Review coverage per scene",
        "Decisions per reviewer per day",
        "Cost of each reviewer's generations",
    ]
    assert len(costs.get("vega_lite_chart")) == len(FIGURES)
    assert len(costs.dataframe) == len(FIGURES)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Total cost"] == "$0.70" and metrics["Decided"] == "22 of 26"
    for name, figure in FIGURES.items():
        frame = figure(ui_desk, DEMO_PROJECT)
        assert downloads[f"{name}.csv"] == csv_bytes(frame), name
    per_scene = pd.read_csv(io.BytesIO(downloads["cost_per_scene.csv"]), dtype={"cost_usd": str})
    assert per_scene["cost_usd"].tolist()[:2] == ["0.11700000", "0.11700000"]
    assert "0.00000000" in per_scene["cost_usd"].tolist()  # not 0E-8
