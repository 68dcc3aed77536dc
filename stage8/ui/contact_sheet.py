"""The scene page as a contact sheet: one compact row per asset, grouped by type, a page of rows
at a time; the scene bar (previous/next scene, undo, next that needs attention, bulk actions); and
the full panel of one asset (`&asset=NAME`) in place of its row.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from stage8.decisions.revert import undo_last
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reads.board import AssetPanel, SceneBoard
from stage8.ui import state as keys
from stage8.ui.attempt_order import order_control
from stage8.ui.auth import can, current_identity
from stage8.ui.bulk import bulk_actions
from stage8.ui.live import live_updates
from stage8.ui.scene_panels import asset_panel
from stage8.ui.sheet_css import ROW_CSS
from stage8.ui.sheet_row import sheet_row
from stage8.ui.sheet_status import needs_attention
from stage8.ui.text import inert, md

TYPE_TITLES = {"character": "Characters", "location": "Locations", "prop": "Props"}
PAGE_SIZE = 8  # rows a page (about two screens at 1280x800): a rerun draws only these (issue 16)
QUEUE_PAGE = "app_pages/queue.py"
# A laptop screen shows the scene title and its first rows: less empty space above the title.
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 4rem; }
</style>"""
_ROOT = Path(__file__).resolve().parents[2]


def render_sheet(desk: Desk, board: SceneBoard, asset: str | None) -> None:
    """The scene page body. `asset`: the name in `&asset=`, whose full panel replaces its row."""
    st.html(PAGE_CSS + ROW_CSS)
    _scene_bar(desk, board)
    for panel in board.panels:  # what the rows show: the live poll compares it with the database
        st.session_state[keys.panel_data(panel.instance_id)] = panel
    live_updates(desk, board)
    if not board.panels:
        st.info("No assets appear in this scene yet.")
        return
    opened = next((p for p in board.panels if p.asset_name == asset), None)
    if asset is not None and opened is None:
        st.warning(
            md("This scene has no asset named “{name}”. ", name=asset)
            + "Here is the whole scene; open an asset from its row."
        )
    page_rows = _page(board, opened)
    group = None
    for panel in page_rows:
        if panel.asset_type != group:
            group = panel.asset_type
            st.caption(f"**{TYPE_TITLES.get(group, inert(group))}**")
        if panel is opened:
            _full_panel(desk, board, panel)
        else:
            sheet_row(desk, board.scene_id, panel.instance_id)
    _pages(board)
    _scroll_once(opened)
    _toast()


def _params(board: SceneBoard, number: int) -> dict[str, str]:
    return {"scene": str(number), "project": board.project_name}


def _scene_bar(desk: Desk, board: SceneBoard) -> None:
    bar = st.container(horizontal=True, gap="small", vertical_alignment="center")
    title = md("Scene {n}: {title}", n=board.scene_number, title=board.title)
    bar.markdown(f"### {title}")  # one line with the scene's controls: room for the rows
    if board.previous_number is not None:
        bar.page_link(
            "app_pages/scene.py",
            label=f"◀ Scene {board.previous_number}",
            query_params=_params(board, board.previous_number),
        )
    if board.next_number is not None:
        bar.page_link(
            "app_pages/scene.py",
            label=f"Scene {board.next_number} ▶",
            query_params=_params(board, board.next_number),
        )
    bar.button(
        "Undo",
        key=keys.SCENE_UNDO,
        icon=":material/undo:",
        help="Undo the last decision in this scene (u)",
        disabled=not can("decide"),
        on_click=_undo,
        args=(desk, board.scene_id),
    )
    if (_ROOT / QUEUE_PAGE).exists() and bar.button(
        "Next",
        key=keys.NEXT_ATTENTION,
        icon=":material/skip_next:",
        help="Next asset that needs attention, in the review queue (n)",
    ):
        st.switch_page(QUEUE_PAGE)
    if board.panels:
        order_control(bar)
        waiting = sum(1 for p in board.panels if needs_attention(p))
        with bar.popover("Bulk", icon=":material/checklist:", key=keys.SHEET_BULK):
            bulk_actions(desk, board)
        bar.caption(f"{len(board.panels)} assets · {waiting} need attention")


def _undo(desk: Desk, scene_id: int) -> None:
    try:
        result = undo_last(desk, scene_id, actor=current_identity())
    except Stage8Error as exc:
        st.session_state[keys.SHEET_FLASH] = ("error", str(exc))
        return
    st.session_state.pop(keys.why_pending(result.instance_id), None)  # its "Why?" bar closes
    st.session_state[keys.panel_dirty(result.instance_id)] = True
    st.session_state[keys.sheet_focus(scene_id)] = result.instance_id
    st.session_state[keys.SHEET_FLASH] = ("success", result.message)


def _toast() -> None:
    flash = st.session_state.pop(keys.SHEET_FLASH, None)
    if flash:
        kind, message = flash
        if kind == "error":
            st.toast(inert(message), icon=":material/error:", duration="infinite")
        else:
            st.toast(inert(message), icon=":material/check_circle:")


def _page(board: SceneBoard, opened: AssetPanel | None) -> list[AssetPanel]:
    """The rows of the page shown: the page holding the opened asset, else the one chosen."""
    panels = board.panels
    count = (len(panels) + PAGE_SIZE - 1) // PAGE_SIZE
    key = keys.sheet_page(board.scene_id)
    if opened is not None:
        st.session_state[key] = panels.index(opened) // PAGE_SIZE
    page = min(max(int(st.session_state.get(key, 0)), 0), count - 1)
    st.session_state[key] = page
    return panels[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


def _go_to_page(scene_id: int, page: int) -> None:
    st.session_state[keys.sheet_page(scene_id)] = page
    st.query_params.pop("asset", None)


def _pages(board: SceneBoard) -> None:
    """Page links under the rows of a long scene ("1 2 3"), with what each holds."""
    count = (len(board.panels) + PAGE_SIZE - 1) // PAGE_SIZE
    if count <= 1:
        return
    current = st.session_state[keys.sheet_page(board.scene_id)]
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    first = current * PAGE_SIZE + 1
    last = min(len(board.panels), (current + 1) * PAGE_SIZE)
    row.caption(f"Assets {first}–{last} of {len(board.panels)}")
    for page in range(count):
        row.button(
            str(page + 1),
            key=keys.sheet_page_button(board.scene_id, page),
            type="primary" if page == current else "secondary",
            help=f"Assets {page * PAGE_SIZE + 1}–{min(len(board.panels), (page + 1) * PAGE_SIZE)}",
            on_click=_go_to_page,
            args=(board.scene_id, page),
        )


def _back(scene_id: int, instance_id: int) -> None:
    st.query_params.pop("asset", None)
    st.session_state[keys.sheet_focus(scene_id)] = instance_id


def _full_panel(desk: Desk, board: SceneBoard, panel: AssetPanel) -> None:
    """The full panel of the asset in `&asset=`, where its row was, with the way back."""
    st.button(
        "Back to the sheet",
        key=keys.SHEET_BACK,
        icon=":material/arrow_back:",
        on_click=_back,
        args=(board.scene_id, panel.instance_id),
    )
    # Open the full panel's carousel on the attempt the row showed.
    shown = st.session_state.get(keys.row_shown(panel.instance_id))
    if shown is not None:
        carousel = keys.attempts_carousel(panel.instance_id)
        st.session_state.setdefault(keys.carousel_ident(carousel), shown)
    asset_panel(desk, panel.instance_id)


def _scroll_once(opened: AssetPanel | None) -> None:
    """Scroll to the full panel once when it opens, and back to its row once when it closes;
    any other run leaves the viewport alone (no action moves the page)."""
    last = st.session_state.get(keys.SHEET_SCROLLED)
    if opened is not None:
        done, target = ("panel", opened.instance_id), keys.SHEET_BACK
    elif last is not None and last[0] == "panel":
        done, target = ("row", last[1]), keys.row_box(last[1])
    else:
        return
    if last == done:
        return
    st.session_state[keys.SHEET_SCROLLED] = done
    # A zero-height component at the very end of the page (it shifts nothing above it). The
    # script looks for the element in the app's document (same origin) for up to two seconds.
    st.iframe(
        "<script>"
        "let n = 0; const t = setInterval(() => {"
        f"  const el = window.parent.document.querySelector('.st-key-{target}');"
        "  if (el) { el.style.scrollMarginTop = '5rem'; el.scrollIntoView({block: 'start'});"
        "    clearInterval(t); }"
        "  if (++n > 40) clearInterval(t);"
        "}, 50);"
        "</script>",
        height=1,
    )
