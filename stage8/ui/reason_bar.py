"""The "Why?" bar: right after a reviewer selects another attempt, moves one to the trash or
turns "use master as-is" off, the asset (its sheet row, or its full panel) offers one button
per configured reason code, numbered 1-9, and Skip.

A decision never waits for its reason: the decision is already made and logged when the bar
appears, and a button (or its digit, through the keyboard layer) gives that decision's event
its code (`stage8.decisions.reasons.explain`). The bar goes away with a reason, Skip (Esc), or
the asset's next action (`close`, called by every decision callback of the row and the panel).
"""

from __future__ import annotations

import streamlit as st

from stage8.decisions.reasons import awaiting_reason, explain, question
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.ui import state as keys
from stage8.ui.auth import current_identity
from stage8.ui.text import md

MAX_KEYS = 9  # codes past the ninth have a button but no digit


def close(instance_id: int) -> None:
    """Drop the asset's pending question (the reviewer moved on)."""
    st.session_state.pop(keys.why_pending(instance_id), None)


def offer(desk: Desk, instance_id: int, version_seen: int | None) -> None:
    """After a decision callback: open the bar when this reviewer's decision just made a
    reasoned event on the asset (its version moved past `version_seen`), else leave it closed."""
    if version_seen is None:
        return
    try:
        event = awaiting_reason(
            desk, instance_id, actor=current_identity(), newer_than=version_seen
        )
    except Stage8Error:  # no identity any more (signed out): no question to ask
        return
    if event is not None:
        st.session_state[keys.why_pending(instance_id)] = (event.id, question(event))


def _choose(desk: Desk, instance_id: int, event_id: int, code: str) -> None:
    close(instance_id)
    st.session_state[keys.panel_dirty(instance_id)] = True  # the history shows the reason
    try:
        message = explain(desk, event_id, code, actor=current_identity())
    except Stage8Error as exc:
        st.session_state[keys.panel_flash(instance_id)] = ("error", str(exc))
        return
    st.session_state[keys.panel_flash(instance_id)] = ("success", message)


def reason_bar(desk: Desk, instance_id: int) -> bool:
    """Draw the asset's "Why?" bar when a question is pending; whether it was drawn."""
    pending = st.session_state.get(keys.why_pending(instance_id))
    if pending is None:
        return False
    event_id, asked = pending
    with st.container(
        key=keys.row_why(instance_id), horizontal=True, gap="xsmall", vertical_alignment="center"
    ):
        st.markdown(f"**{asked}**")  # the desk's own words
        for number, code in enumerate(desk.settings.reason_codes, start=1):
            digit = number <= MAX_KEYS
            st.button(
                md("{n} {code}", n=number, code=code) if digit else md("{code}", code=code),
                key=keys.row_why_code(instance_id, number),
                help=md("Record “{code}” as the reason", code=code)
                + (f" (key {number})" if digit else ""),
                on_click=_choose,
                args=(desk, instance_id, event_id, code),
            )
        st.button(
            "Skip",
            key=keys.row_why_skip(instance_id),
            type="tertiary",
            help="No reason this time (Esc)",
            on_click=close,
            args=(instance_id,),
        )
    return True
