"""Widgets of the Export and Analytics pages: the export filters, lazy download buttons, and a
figure (Altair chart, its numbers as a table, a CSV download of them)."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st

from stage8.db.models import ASSET_TYPES, ATTEMPT_SOURCES
from stage8.decisions.views import SOURCE_LABELS
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reads.export.formats import FORMAT_LABELS, MIME_TYPES, now_stamp
from stage8.reads.export.stream import WHATS, ExportFilters, export_bytes, filter_choices
from stage8.ui import state as keys
from stage8.ui.text import inert

TABLE_LABELS = {"attempts": "Attempts", "instances": "Instances", "events": "Decision events"}
DATE_LABELS = {
    "attempts": "Created between (UTC)",
    "instances": "Last changed between (UTC)",
    "events": "Happened between (UTC)",
}
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "xlsx": "xlsx", "jsonl": "jsonl"}


def _any(label: str):
    return lambda value: label if value is None else str(value)


def table_picker() -> str:
    """The table to export (a horizontal radio)."""
    return st.radio(
        "Table",
        WHATS,
        format_func=TABLE_LABELS.__getitem__,
        horizontal=True,
        key=keys.EXPORT_WHAT,
    )


def export_filters(desk: Desk, what: str) -> ExportFilters:
    """The filter widgets; filters that mean nothing for `what` are shown disabled.

    Stops the page with a message when the filters contradict each other.
    """
    projects = filter_choices(desk).projects
    top = st.columns(3)
    project = top[0].selectbox(
        "Project", [None, *projects], format_func=_any("All projects"), key=keys.EXPORT_PROJECT
    )
    scene_from = top[1].number_input(
        "From scene", min_value=0, value=None, step=1, key=keys.EXPORT_SCENE_FROM
    )
    scene_to = top[2].number_input(
        "To scene", min_value=0, value=None, step=1, key=keys.EXPORT_SCENE_TO
    )
    mid = st.columns(3)
    asset_type = mid[0].selectbox(
        "Asset type", [None, *ASSET_TYPES], format_func=_any("All types"), key=keys.EXPORT_TYPE
    )
    names = filter_choices(desk, project).asset_names
    asset_name = mid[1].selectbox(
        "Asset", [None, *names], format_func=_any("All assets"), key=keys.EXPORT_ASSET
    )
    source = mid[2].selectbox(
        "Source",
        [None, *ATTEMPT_SOURCES],
        format_func=lambda s: "All sources" if s is None else SOURCE_LABELS[s],
        key=keys.EXPORT_SOURCE,
        help="For instances: the source of the selected attempt; for events: of the attempt "
        "the event is about.",
    )
    low = st.columns(3)
    dates = low[0].date_input(DATE_LABELS[what], value=(), key=keys.EXPORT_DATES)
    can_select = what in ("attempts", "instances")
    selected_only = low[1].checkbox(
        "Selected only" if what == "attempts" else "Decided only",
        key=keys.EXPORT_SELECTED_ONLY,
        disabled=not can_select,
    )
    include_trashed = low[2].checkbox(
        "Include trashed attempts", key=keys.EXPORT_INCLUDE_TRASHED, disabled=what != "attempts"
    )
    date_from, date_to = _date_range(dates)
    try:
        return ExportFilters(
            project=project,
            scene_from=None if scene_from is None else int(scene_from),
            scene_to=None if scene_to is None else int(scene_to),
            asset_type=asset_type,
            asset_name=asset_name,
            source=source,
            selected_only=bool(selected_only and can_select),
            date_from=date_from,
            date_to=date_to,
            include_trashed=bool(include_trashed and what == "attempts"),
        )
    except Stage8Error as exc:
        st.error(inert(exc), icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() raises


def _date_range(value: object) -> tuple[date | None, date | None]:
    if isinstance(value, date):
        return value, value
    picked = list(value or ())
    if not picked:
        return None, None
    return picked[0], picked[-1]  # one date picked so far: that day


def download_buttons(desk: Desk, what: str, filters: ExportFilters) -> None:
    """One download button per format; the file is built only when the button is clicked."""
    stamp = now_stamp()
    for column, fmt in zip(st.columns(len(FORMAT_LABELS)), FORMAT_LABELS, strict=True):
        column.download_button(
            FORMAT_LABELS[fmt],
            data=functools.partial(export_bytes, desk, what, fmt, filters),
            file_name=f"stage8-{what}-{stamp}.{EXTENSIONS[fmt]}",
            mime=MIME_TYPES[fmt],
            on_click="ignore",
            icon=":material/download:",
            key=keys.export_download(fmt),
            width="stretch",
        )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV; Decimals as fixed-point text (never 0E-8)."""
    fixed = frame.copy()
    for name in fixed.columns:
        if fixed[name].map(lambda v: isinstance(v, Decimal)).any():
            fixed[name] = fixed[name].map(lambda v: format(v, "f") if v is not None else None)
    return fixed.to_csv(index=False).encode("utf-8")


def figure(title: str, chart: alt.Chart | None, frame: pd.DataFrame, name: str) -> None:
    """A titled chart with its numbers in a table and a CSV download of them."""
    with st.container(border=True, key=keys.figure(name)):
        st.subheader(title)
        if frame.empty or chart is None:
            st.caption("Nothing to show yet.")
            return
        st.altair_chart(chart, width="stretch")
        with st.expander("Numbers"):
            st.dataframe(frame, hide_index=True, width="stretch")
            st.download_button(
                "Download CSV",
                data=csv_bytes(frame),
                file_name=f"{name}.csv",
                mime="text/csv",
                on_click="ignore",
                icon=":material/download:",
                key=keys.figure_csv(name),
            )


_FLAT = alt.Axis(labelAngle=0)  # scene and attempt numbers read better upright


def _dollars(frame: pd.DataFrame, *names: str) -> pd.DataFrame:
    return frame.assign(**{n: frame[n].astype(float) for n in names})


def cost_per_scene_chart(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(_dollars(frame, "cost_usd"))
        .mark_bar()
        .encode(
            x=alt.X("scene_number:O", title="Scene", axis=_FLAT),
            y=alt.Y("cost_usd:Q", title="Cost (USD)"),
            tooltip=["scene_number", "scene_title", "attempts", "cost_usd"],
        )
    )


def cost_per_type_chart(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(_dollars(frame, "cost_usd"))
        .mark_bar()
        .encode(
            x=alt.X("asset_type:N", title="Asset type"),
            y=alt.Y("cost_usd:Q", title="Cost (USD)"),
            tooltip=["asset_type", "attempts", "cost_usd"],
        )
    )


def never_selected_chart(frame: pd.DataFrame) -> alt.Chart:
    data = _dollars(frame, "cost_usd", "never_selected_cost_usd")
    data = data.assign(selected_cost_usd=data.cost_usd - data.never_selected_cost_usd)
    long = data.melt(
        id_vars=["scene_number"],
        value_vars=["selected_cost_usd", "never_selected_cost_usd"],
        var_name="part",
        value_name="usd",
    )
    long["part"] = long["part"].map(
        {"selected_cost_usd": "Selected", "never_selected_cost_usd": "Never selected"}
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("scene_number:O", title="Scene", axis=_FLAT),
            y=alt.Y("usd:Q", title="Cost (USD)", stack=True),
            color=alt.Color("part:N", title="Attempts"),
            tooltip=["scene_number", "part", "usd"],
        )
    )


def selected_numbers_chart(frame: pd.DataFrame) -> alt.Chart:
    data = frame.assign(source=frame.source.map(SOURCE_LABELS))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("attempt_number:O", title="Attempt number of the selected image", axis=_FLAT),
            y=alt.Y("instances:Q", title="Scene assets"),
            color=alt.Color("source:N", title="Source"),
            tooltip=["attempt_number", "source", "instances"],
        )
    )


def sources_chart(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_arc()
        .encode(
            theta=alt.Theta("instances:Q"),
            color=alt.Color("label:N", title="Source"),
            tooltip=["label", "instances", alt.Tooltip("share:Q", format=".0%")],
        )
    )


def attempts_per_instance_chart(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("attempts:O", title="Attempts made", axis=_FLAT),
            y=alt.Y("instances:Q", title="Decided scene assets"),
            tooltip=["attempts", "instances"],
        )
    )


def coverage_chart(frame: pd.DataFrame) -> alt.Chart:
    long = frame.melt(
        id_vars=["scene_number", "stale_reference"],
        value_vars=["decided", "undecided"],
        var_name="state",
        value_name="assets",
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("scene_number:O", title="Scene", axis=_FLAT),
            y=alt.Y("assets:Q", title="Scene assets", stack=True),
            color=alt.Color("state:N", title="Review"),
            tooltip=["scene_number", "state", "assets", "stale_reference"],
        )
    )
