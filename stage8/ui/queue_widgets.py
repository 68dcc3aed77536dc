"""The review queue page's widgets: filters, review mode (one item at a time, with its full
panel) and the list of everything that needs attention; the sidebar's "Review queue (N)" link.

Review mode remembers the item under review in session state. Each run reads the queue again
(a fixed number of queries); when the item under review no longer needs attention (the reviewer
decided in its panel), the next item after it in queue order comes up. The panel is the scene
page's own `scene_panels.asset_panel`, run here as part of the page rather than as its own
fragment, so that a decision in it reruns the page and the queue moves on.
"""

from __future__ import annotations

import streamlit as st

from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reads.board import load_panel
from stage8.reads.queue import (
    REASON_LABELS,
    REASONS,
    QueueItem,
    attention_by_scene,
    attention_stamp,
)
from stage8.ui import state as keys
from stage8.ui.attempt_order import order_control
from stage8.ui.messages import OVERVIEW_PAGE, SCENE_PAGE
from stage8.ui.scene_panels import asset_panel
from stage8.ui.text import inert, md

QUEUE_PAGE = "app_pages/queue.py"
TYPE_LABELS = {"character": "Characters", "location": "Locations", "prop": "Props"}
BADGE_COLOURS = {
    "undecided": "orange",
    "stale_reference": "violet",
    "new_attempts": "blue",
    "failed_generation": "red",
}
PAGE_ROWS = 50  # list rows shown at first and added by "Show more"


def chips(reasons: tuple[str, ...]) -> str:
    """The reasons as Markdown badges (fixed words, not data)."""
    return " ".join(f":{BADGE_COLOURS[r]}-badge[{REASON_LABELS[r]}]" for r in reasons)


def scene_link_params(item: QueueItem) -> dict[str, str]:
    return {"scene": str(item.scene_number), "asset": item.asset_name, "project": item.project_name}


# --- filters --------------------------------------------------------------------------------------
def filters(project: str, scene_numbers: list[int]) -> dict:
    """The reason, scene-range and asset-type filters; returns review_queue's keywords."""
    reason_col, scene_col, type_col = st.columns(3)
    reasons = reason_col.multiselect(
        "Reasons",
        REASONS,
        format_func=REASON_LABELS.get,
        key=keys.QUEUE_REASONS,
        placeholder="Every reason",
    )
    scene_from = scene_to = None
    if len(scene_numbers) > 1:
        scene_from, scene_to = scene_col.select_slider(
            "Scenes",
            options=scene_numbers,
            value=(scene_numbers[0], scene_numbers[-1]),
            key=keys.queue_scenes(project),
        )
    asset_type = type_col.selectbox(
        "Asset type",
        ["", *TYPE_LABELS],
        format_func=lambda t: TYPE_LABELS.get(t, "Every type"),
        key=keys.QUEUE_TYPE,
    )
    return {
        "reasons": reasons or None,
        "scene_from": scene_from,
        "scene_to": scene_to,
        "asset_type": asset_type or None,
    }


# --- review mode ----------------------------------------------------------------------------------
def _after(items: list[QueueItem], current: QueueItem | None) -> QueueItem | str:
    """The first item after `current` in queue order (the first item for None), else the end."""
    return next(
        (item for item in items if current is None or item.order > current.order),
        keys.QUEUE_END,
    )


def _next() -> None:
    """Start / Next: move to the item after the one under review (from the top at the start
    or after the end), among the items the page showed."""
    items = st.session_state.get(keys.QUEUE_ITEMS, [])
    current = st.session_state.get(keys.QUEUE_CURRENT)
    st.session_state[keys.QUEUE_CURRENT] = _after(
        items, current if isinstance(current, QueueItem) else None
    )


def _stop() -> None:
    st.session_state.pop(keys.QUEUE_CURRENT, None)


def current_item(items: list[QueueItem]) -> QueueItem | str | None:
    """The item under review, brought up to date: the same item while it still needs attention,
    else the one after it (or the end). None when the reviewer is not in review mode."""
    current = st.session_state.get(keys.QUEUE_CURRENT)
    if isinstance(current, QueueItem):
        fresh = next((i for i in items if i.instance_id == current.instance_id), None)
        current = fresh if fresh is not None else _after(items, current)
        st.session_state[keys.QUEUE_CURRENT] = current
    return current


def review_mode(desk: Desk, items: list[QueueItem]) -> None:
    """Start/Next and Stop, then the item under review with its full panel, or the end."""
    st.session_state[keys.QUEUE_ITEMS] = items
    current = current_item(items)
    reviewing = isinstance(current, QueueItem)
    bar = st.container(horizontal=True, vertical_alignment="center")
    at_end = current == keys.QUEUE_END and bool(items)
    label = "Next" if reviewing else ("Start again" if at_end else "Start")
    bar.button(
        label,
        key=keys.QUEUE_NEXT,
        type="primary",
        icon=":material/skip_next:" if reviewing else ":material/play_arrow:",
        disabled=not items,
        help="Open the next item that needs attention here (key n).",
        on_click=_next,
    )
    if reviewing or at_end:
        bar.button("Stop reviewing", key=keys.QUEUE_STOP, on_click=_stop)
    if reviewing:
        position = items.index(current) + 1
        bar.caption(f"Item {position} of {len(items)}")
        _under_review(desk, current)
    elif not items:
        nothing_needs_you()
    elif current == keys.QUEUE_END:
        st.info(
            f"End of the queue. {_items_phrase(len(items))} you went past still "
            "need attention: Start again to go through them."
        )


def _items_phrase(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def nothing_needs_you() -> None:
    with st.container(key=keys.QUEUE_DONE):
        st.success("Nothing needs you: every asset of these scenes is decided and up to date.")
        st.page_link(OVERVIEW_PAGE, label="Back to the overview", icon=":material/dashboard:")


def _under_review(desk: Desk, item: QueueItem) -> None:
    with st.container(key=keys.QUEUE_ITEM_BOX):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.markdown(
            md(
                "**Scene {n}: {title}** · {asset} · {kind}  \n",
                n=item.scene_number,
                title=item.scene_title,
                asset=item.asset_name,
                kind=item.asset_type,
            )
            + chips(item.reasons)
            + _detail(item),
            width="stretch",
        )
        head.page_link(
            SCENE_PAGE,
            label="Open in its scene",
            icon=":material/open_in_new:",
            query_params=scene_link_params(item),
        )
        order_control(head)  # the carousel's order, the same choice as on the scene page
        try:
            panel = load_panel(desk, item.instance_id)
        except Stage8Error as exc:
            st.error(inert(exc))
            return
        # Fresh data for the panel (this run already reloaded it after the decision).
        st.session_state[keys.panel_data(item.instance_id)] = panel
        st.session_state.pop(keys.panel_dirty(item.instance_id), None)
        # `asset_panel` is a fragment on the scene page, where a click reruns only the panel;
        # here its undecorated function runs, so a decision reruns the page and the queue
        # moves on to the next item.
        getattr(asset_panel, "__wrapped__", asset_panel)(desk, item.instance_id)


def _detail(item: QueueItem) -> str:
    lines = []
    if item.stale_reason:
        lines.append(md("Reference: {why}", why=item.stale_reason))
    if item.failure:
        lines.append(md("Last generation failed: {error}", error=item.failure))
    if item.new_attempts:
        lines.append(f"{item.new_attempts} new attempt(s) not reviewed yet")
    return "".join("  \n" + line for line in lines)


# --- the list -------------------------------------------------------------------------------------
def queue_list(items: list[QueueItem]) -> None:
    """One line per item: scene, asset, type, reason chips and a link to it in its scene."""
    shown = st.session_state.setdefault(keys.QUEUE_SHOWN, PAGE_ROWS)
    current = st.session_state.get(keys.QUEUE_CURRENT)
    with st.container(key=keys.QUEUE_LIST):
        for item in items[:shown]:
            marker = "▶ " if isinstance(current, QueueItem) and current == item else ""
            with st.container(
                key=keys.queue_row(item.instance_id),
                horizontal=True,
                vertical_alignment="center",
                gap="small",
            ):
                st.markdown(
                    marker
                    + md(
                        "Scene {n} · **{asset}** · {kind} ",
                        n=item.scene_number,
                        asset=item.asset_name,
                        kind=item.asset_type,
                    )
                    + chips(item.reasons),
                    width="stretch",
                )
                st.page_link(
                    SCENE_PAGE,
                    label="Open",
                    icon=":material/arrow_forward:",
                    query_params=scene_link_params(item),
                )
    if len(items) > shown:
        st.button(
            f"Show more ({len(items) - shown} not shown)",
            key=keys.QUEUE_MORE,
            on_click=lambda: st.session_state.update({keys.QUEUE_SHOWN: shown + PAGE_ROWS}),
        )


# --- the sidebar ----------------------------------------------------------------------------------
def sidebar_queue_link(desk: Desk) -> None:
    """ "Review queue (N)", N over every project; recounted only when something changed."""
    stamp = attention_stamp(desk)
    kept = st.session_state.get(keys.QUEUE_SIDEBAR_COUNT)
    if kept is None or kept[0] != stamp:
        kept = (stamp, sum(attention_by_scene(desk).values()))
        st.session_state[keys.QUEUE_SIDEBAR_COUNT] = kept
    with st.container(key=keys.QUEUE_SIDEBAR):
        st.page_link(QUEUE_PAGE, label=f"Review queue ({kept[1]})", icon=":material/checklist:")
