"""The page's one "Order" control for attempts: by number (default) or by continuity. The
choice is kept for the session (across pages); the sheet's strips and the full panel's
carousel read it through `ordered` (stage8.reads.attempt_order, no query)."""

from __future__ import annotations

import streamlit as st

from stage8.reads.attempt_order import DEFAULT_ORDER, ORDERS, arrange
from stage8.reads.board import AssetPanel
from stage8.ui import state as keys


def order_control(container=None) -> None:
    """Draw the control (in `container`, e.g. the scene bar; default: here)."""
    (container or st).segmented_control(
        "Order attempts by",
        list(ORDERS),
        format_func=ORDERS.__getitem__,
        default=DEFAULT_ORDER,
        required=True,
        key=keys.ATTEMPT_ORDER,
        persist_state="session",
        label_visibility="collapsed",
        help="Order each asset's attempts by attempt number, or by continuity against the "
        "reference (best first, unscored last)",
    )


def ordered(panel: AssetPanel) -> AssetPanel:
    """The panel with its attempts in the order the reviewer chose."""
    return arrange(panel, st.session_state.get(keys.ATTEMPT_ORDER, DEFAULT_ORDER))
