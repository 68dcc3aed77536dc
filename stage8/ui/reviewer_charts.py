"""Charts of the per-person figures on the Analytics page (`stage8.reads.reviewer_analytics`)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from stage8.ui.export_widgets import _dollars


def decisions_chart(frame: pd.DataFrame) -> alt.Chart:
    """Decisions per day, stacked by reviewer."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("day:O", title="Day (UTC)", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(decisions):Q", title="Decisions"),
            color=alt.Color("reviewer:N", title="Reviewer"),
            tooltip=["day", "reviewer", "role", "source", "decisions"],
        )
    )


def generation_cost_chart(frame: pd.DataFrame) -> alt.Chart:
    """What each reviewer's generations cost."""
    return (
        alt.Chart(_dollars(frame, "cost_usd"))
        .mark_bar()
        .encode(
            x=alt.X("cost_usd:Q", title="Cost (USD)"),
            y=alt.Y("reviewer:N", title="Reviewer", sort="-x"),
            tooltip=["reviewer", "generations", "cost_usd"],
        )
    )
