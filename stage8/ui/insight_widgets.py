"""The Analytics page's sections on the decisions themselves (`stage8.reads.insights`):
continuity along the chain of scenes, the reasons given, and ratings against provider, model
and cost. Each section takes the frames the page read (no SQL here) and draws its filters,
charts and tables."""

from __future__ import annotations

from urllib.parse import urlencode

import altair as alt
import pandas as pd
import streamlit as st

from stage8.reads.insights import biggest_drops, cost_by_stars, model_ratings, reason_counts
from stage8.ui import state as keys
from stage8.ui.export_widgets import _dollars, csv_bytes
from stage8.ui.text import md

SCENE_URL = "scene"  # the scene page's URL path (app.py registers app_pages/scene.py as "scene")
DECISION_LABELS = {
    "select": "Select another",
    "trash": "Move to the trash",
    "use_master_off": "Use as-is off",
}
BREAKDOWNS = {
    None: "Overall",
    "asset": "Per asset",
    "provider": "Per provider",
    "model": "Per model",
}
_FLAT = alt.Axis(labelAngle=0)
LABELS = {  # table headers for the read models' column names (the CSVs keep the names)
    "reason_code": "Reason",
    "count": "Times given",
    "asset": "Asset",
    "provider": "Provider",
    "model": "Model",
    "rated": "Attempts rated",
    "mean_stars": "Average stars",
    "mean_cost_usd": "Average cost (USD)",
    "total_cost_usd": "Total cost (USD)",
    "stars": "Stars",
}
_RATINGS_HEIGHT = 240  # the two ratings charts side by side, the same height
_ALL = "All"


def scene_url(project: str, scene_number: int, asset: str) -> str:
    """A link (relative to the page) to the asset's full panel in the scene."""
    query = {"scene": int(scene_number), "asset": asset, "project": project}
    return f"{SCENE_URL}?{urlencode(query)}"


def _numbers(frame: pd.DataFrame, name: str, **table_options) -> None:
    """The frame as a table, with a CSV download of it."""
    config = {name: LABELS[name] for name in frame.columns if name in LABELS}
    config.update(table_options.pop("column_config", {}))
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, **table_options)
    st.download_button(
        "Download CSV",
        data=csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=keys.figure_csv(name),
    )


# --- continuity along the chain ----------------------------------------------------------------


def _pick(column, label: str, options: list[str], key: str) -> str:
    """A selectbox of `options` after "All"; a choice the data no longer has falls back to All
    (another project, or a type whose assets it does not hold)."""
    choices = [_ALL, *options]
    if st.session_state.get(key) not in choices:
        st.session_state[key] = _ALL
    return column.selectbox(label, choices, key=key)


def _chain_filters(chain: pd.DataFrame) -> pd.DataFrame:
    left, right = st.columns(2)
    kind = _pick(left, "Asset type", sorted(chain.asset_type.unique()), keys.INSIGHTS_CHAIN_TYPE)
    if kind != _ALL:
        chain = chain[chain.asset_type == kind]
    name = _pick(right, "Asset", sorted(chain.asset.unique()), keys.INSIGHTS_CHAIN_ASSET)
    return chain if name == _ALL else chain[chain.asset == name]


def chain_chart(chain: pd.DataFrame, drift_below: int) -> alt.LayerChart:
    """One line per asset over the scenes in order, with the drift threshold as a rule."""
    lines = (
        alt.Chart(chain)
        .mark_line(point=True)
        .encode(
            x=alt.X("scene_number:O", title="Scene", axis=_FLAT),
            y=alt.Y("score:Q", title="Score against the master", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("asset:N", title="Asset"),
            tooltip=["asset", "asset_type", "scene_number", "score"],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"drift_below": [drift_below]}))
        .mark_rule(color="#555", strokeDash=[6, 4])
        .encode(y="drift_below:Q", tooltip=[alt.Tooltip("drift_below:Q", title="Drift below")])
    )
    return alt.layer(lines, rule)


def continuity_section(chain: pd.DataFrame, drift_below: int, project: str) -> None:
    """Continuity along the chain: filters, the line chart, and the biggest drops with links."""
    with st.container(border=True, key=keys.figure("continuity_along_scenes")):
        st.subheader("Continuity along the chain")
        if chain.empty:
            st.info(
                # Page words, not a command line (stage8.ui.messages): the backfill is named.
                "No continuity scores yet. The desk's worker scores new images between "
                "generation jobs; whoever runs the desk scores the existing ones with the "
                "continuity backfill (README, “Continuity, look-alikes, reasons and ratings”).",
                icon=":material/timeline:",
            )
            return
        st.caption(
            f"Each line is an asset: its selected image's score (0–100) against the asset's "
            f"master, scene by scene. Below the dashed line ({drift_below}, setting "
            "STAGE8_DRIFT_BELOW) an image is flagged drift."
        )
        shown = _chain_filters(chain)
        st.altair_chart(chain_chart(shown, drift_below), width="stretch")
        drops = biggest_drops(shown)
        st.markdown("**Biggest drops**")
        if drops.empty:
            st.caption("No score falls from one scene to the next.")
            return
        table = pd.DataFrame(
            {
                "Asset": drops.asset,
                "Scenes": [
                    f"{a} → {b}" for a, b in zip(drops.from_scene, drops.to_scene, strict=True)
                ],
                "Before": drops.from_score,
                "After": drops.to_score,
                "Drop": drops["drop"],
                "Open": [
                    scene_url(project, n, a)
                    for n, a in zip(drops.to_scene, drops.asset, strict=True)
                ],
            }
        )
        link = st.column_config.LinkColumn("Open", display_text="Open scene")
        _numbers(table, "biggest_drops", column_config={"Open": link})


# --- reasons ------------------------------------------------------------------------------------


def reasons_chart(counts: pd.DataFrame, by: str | None) -> alt.Chart:
    """Horizontal bars per reason code, stacked by `by` when given; most given at the top."""
    encoding = {
        "x": alt.X("sum(count):Q", title="Times given", axis=alt.Axis(tickMinStep=1, format="d")),
        "y": alt.Y("reason_code:N", title="Reason", sort="-x", axis=alt.Axis(labelLimit=240)),
        "tooltip": [*([by] if by else []), "reason_code", "count"],
    }
    if by:
        encoding["color"] = alt.Color(f"{by}:N", title=BREAKDOWNS[by].removeprefix("Per "))
    return alt.Chart(counts).mark_bar().encode(**encoding)


def reasons_section(reasons: pd.DataFrame) -> None:
    """Top reason codes, overall or per asset, provider or model, for the chosen decisions."""
    with st.container(border=True, key=keys.figure("reasons")):
        st.subheader("Reasons")
        if reasons.empty:
            st.info(
                "No reason codes given yet. Pick one after selecting another attempt, moving "
                "one to the trash or turning use-as-is off on a scene page (keys 1–9 right after "
                "the decision).",
                icon=":material/label:",
            )
            return
        left, right = st.columns(2)
        decisions = left.multiselect(
            "Decisions",
            list(DECISION_LABELS),
            default=list(DECISION_LABELS),
            format_func=DECISION_LABELS.__getitem__,
            key=keys.INSIGHTS_REASON_DECISIONS,
        )
        by = right.radio(
            "Count",
            list(BREAKDOWNS),
            format_func=BREAKDOWNS.__getitem__,
            horizontal=True,
            key=keys.INSIGHTS_REASON_BY,
        )
        counts = reason_counts(reasons, by, decisions)
        if counts.empty:
            st.caption("No reason codes given for these decisions.")
            return
        st.altair_chart(reasons_chart(counts, by), width="stretch")
        _numbers(counts, "reasons")


# --- ratings ------------------------------------------------------------------------------------


def model_ratings_chart(per_model: pd.DataFrame) -> alt.Chart:
    """Mean stars per model, coloured by provider."""
    return (
        alt.Chart(_dollars(per_model, "mean_cost_usd"), height=_RATINGS_HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("mean_stars:Q", title="Average rating (stars)", scale=alt.Scale(domain=[0, 5])),
            y=alt.Y("model:N", title="Model", sort="-x", axis=alt.Axis(labelLimit=200)),
            color=alt.Color("provider:N", title="Provider"),
            tooltip=["provider", "model", "rated", "mean_stars", "mean_cost_usd"],
        )
    )


def cost_by_stars_chart(per_star: pd.DataFrame) -> alt.Chart:
    """Average cost of an attempt for each star count."""
    return (
        alt.Chart(_dollars(per_star, "mean_cost_usd"), height=_RATINGS_HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("stars:O", title="Rating (stars)", axis=_FLAT),
            y=alt.Y("mean_cost_usd:Q", title="Average cost per attempt (USD)"),
            tooltip=["stars", "rated", "mean_cost_usd"],  # no bar: no attempt with a cost
        )
    )


def ratings_section(rated: pd.DataFrame) -> None:
    """Average rating and count per provider and model, and what attempts of each rating cost."""
    with st.container(border=True, key=keys.figure("ratings")):
        st.subheader("Ratings")
        if rated.empty:
            st.info(
                "No ratings yet. Give attempts 1 to 5 stars on a scene page (keys 1–5 when an "
                "attempt is shown).",
                icon=":material/star:",
            )
            return
        mean = rated.stars.mean()
        st.markdown(
            md("**{n}** attempts rated, **{mean:.1f}** stars on average", n=len(rated), mean=mean)
        )
        per_model = model_ratings(rated)
        left, right = st.columns(2)
        with left:
            st.markdown("**Per provider and model**")
            st.altair_chart(model_ratings_chart(per_model), width="stretch")
        per_star = cost_by_stars(rated)
        with right:
            st.markdown("**Cost per attempt by rating**")
            st.altair_chart(cost_by_stars_chart(per_star), width="stretch")
        with st.expander("Numbers"):
            _numbers(per_model, "ratings_by_model")
            _numbers(per_star, "cost_by_stars")
