"""Compare the shown attempt, the selected one and the reference (placeholder: the lead's
`stage8/ui/compare.py` replaces this module at merge)."""

from __future__ import annotations

import streamlit as st

from stage8.desk import Desk
from stage8.reads.board import AssetPanel


@st.dialog("Compare", width="large")
def open_compare(desk: Desk, panel: AssetPanel, shown_attempt_id: int) -> None:
    st.info("Compare is coming")
