"""The Storage page's Duplicates tab: per project, the live attempts that repeat another attempt
of their scene asset (`stage8.reads.duplicates`), what they cost and take, with links to the
scene. Read-only: moving one to the trash stays on the scene page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reads.duplicates import DuplicateReport, duplicate_report
from stage8.reads.export.stream import filter_choices
from stage8.ui import state as keys
from stage8.ui.insight_widgets import scene_url
from stage8.ui.messages import NO_PROJECT
from stage8.ui.session import show_error
from stage8.ui.text import md
from stage8.units import format_bytes, format_usd


def _kind(kind: str, distance: object) -> str:
    if kind == "exact":
        return "exact (same sha256)"
    if distance is None or pd.isna(distance):
        return "near (look-alike gone)"
    return f"near ({int(distance)} bits apart)"


def duplicates_table(report: DuplicateReport) -> pd.DataFrame:
    """The report's rows as people read them, one link per row to the scene asset's panel."""
    rows = report.rows
    return pd.DataFrame(
        {
            "Scene": rows.scene_number,
            "Asset": rows.asset,
            "Attempt": [f"#{n}" for n in rows.attempt_number],
            "Same as": [f"#{n}" for n in rows.same_as],
            "Kind": [_kind(k, d) for k, d in zip(rows.kind, rows.distance_bits, strict=True)],
            "Cost": [format_usd(c) if c is not None else "—" for c in rows.cost_usd],
            "Size": [format_bytes(int(b)) for b in rows.bytes],
            "Open": [
                scene_url(report.project, n, a)
                for n, a in zip(rows.scene_number, rows.asset, strict=True)
            ],
        }
    )


def totals_line(report: DuplicateReport) -> str:
    """'12 duplicates in 5 groups cost $0.48 and take 3.1 MB' (Markdown, names inert)."""
    return md(
        "**{n}** {what} in **{groups}** {grouping} cost **{cost}** and take **{size}**",
        n=report.count,
        what="duplicate" if report.count == 1 else "duplicates",
        groups=report.groups,
        grouping="group" if report.groups == 1 else "groups",
        cost=format_usd(report.cost_usd),
        size=format_bytes(report.byte_size),
    )


def duplicates_section(desk: Desk) -> None:
    """The project picker, the totals and the table of duplicates."""
    projects = filter_choices(desk).projects
    if not projects:
        st.info(NO_PROJECT)
        return
    project = projects[0]
    if len(projects) > 1:
        project = st.selectbox("Project", projects, key=keys.DUPLICATES_PROJECT)
    try:
        report = duplicate_report(desk, project)
    except Stage8Error as exc:
        show_error(exc)
        return
    st.caption(
        "Attempts that repeat an older live attempt of the same scene asset: the same bytes "
        "(exact: the stored image is shared, so it takes no extra space) or flagged “same as "
        "#n” on arrival (near: perceptual and difference hashes a few bits apart). To remove "
        "one, open its scene and move it to the trash."
    )
    if report.rows.empty:
        st.success(
            md("No duplicates in {project}.", project=project), icon=":material/check_circle:"
        )
        return
    st.markdown(totals_line(report))
    link = st.column_config.LinkColumn("Open", display_text="Open scene")
    st.dataframe(
        duplicates_table(report),
        hide_index=True,
        width="stretch",
        column_config={"Open": link},
    )
