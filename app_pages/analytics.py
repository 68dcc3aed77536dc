"""Analytics: what the attempts cost, what gets selected, how far review has come, and what the
decisions say: continuity along the chain of scenes, the reasons given, and the ratings."""

import streamlit as st

from stage8.errors import Stage8Error
from stage8.reads import analytics, insights, reviewer_analytics
from stage8.reads.export.stream import filter_choices
from stage8.ui import export_widgets as w
from stage8.ui import insight_widgets, reviewer_charts
from stage8.ui import state as keys
from stage8.ui.messages import NO_PROJECT
from stage8.ui.session import get_desk, show_error

desk = get_desk()
st.title("Analytics")
projects = filter_choices(desk).projects
if not projects:
    st.info(NO_PROJECT)
    st.stop()
project = st.selectbox("Project", projects, key=keys.ANALYTICS_PROJECT)
try:
    per_scene = analytics.cost_per_scene(desk, project)
    per_type = analytics.cost_per_asset_type(desk, project)
    unused = analytics.never_selected_cost(desk, project)
    numbers = analytics.selected_attempt_numbers(desk, project)
    sources = analytics.selected_sources(desk, project)
    tries = analytics.attempts_per_decided_instance(desk, project)
    coverage = analytics.review_coverage(desk, project)
    per_reviewer = reviewer_analytics.decisions_per_reviewer_per_day(desk, project)
    spent_by = reviewer_analytics.generation_cost_per_reviewer(desk, project)
    chain = insights.continuity_along_scenes(desk, project)
    reasons = insights.top_reasons(desk, project)
    rated = insights.rated_attempts(desk, project)
except Stage8Error as exc:
    show_error(exc)
    st.stop()

total = sum(per_scene.cost_usd, start=0)
wasted = sum(unused.never_selected_cost_usd, start=0)
decided, assets = int(coverage.decided.sum()), int(coverage.instances.sum())
cols = st.columns(4)
cols[0].metric("Total cost", f"${total:,.2f}")
cols[1].metric("Never selected", f"${wasted:,.2f}")
cols[2].metric("Decided", f"{decided} of {assets}")
cols[3].metric("Stale references", int(coverage.stale_reference.sum()))

costs, along, why, stars = st.tabs(["Cost and review", "Continuity", "Reasons", "Ratings"])
with along:
    insight_widgets.continuity_section(chain, desk.settings.drift_below, project)
with why:
    insight_widgets.reasons_section(reasons)
with stars:
    insight_widgets.ratings_section(rated)
with costs:
    w.figure("Cost per scene", w.cost_per_scene_chart(per_scene), per_scene, "cost_per_scene")
    w.figure(
        "Cost per asset type", w.cost_per_type_chart(per_type), per_type, "cost_per_asset_type"
    )
    w.figure(
        "Cost of attempts never selected",
        w.never_selected_chart(unused),
        unused,
        "never_selected_cost",
    )
    w.figure(
        "Which attempt ends up selected",
        w.selected_numbers_chart(numbers),
        numbers,
        "selected_attempt_numbers",
    )
    w.figure("Selected images by source", w.sources_chart(sources), sources, "selected_sources")
    w.figure(
        "Attempts per decided scene asset",
        w.attempts_per_instance_chart(tries),
        tries,
        "attempts_per_decided_instance",
    )
    w.figure("Review coverage per scene", w.coverage_chart(coverage), coverage, "review_coverage")
    w.figure(
        "Decisions per reviewer per day",
        reviewer_charts.decisions_chart(per_reviewer),
        per_reviewer,
        "decisions_per_reviewer",
    )
    w.figure(
        "Cost of each reviewer's generations",
        reviewer_charts.generation_cost_chart(spent_by),
        spent_by,
        "generation_cost_per_reviewer",
    )
