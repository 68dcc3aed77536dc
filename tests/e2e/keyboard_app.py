"""A small Streamlit page for the keyboard layer's browser tests (`test_keyboard.py`).

Three fake contact-sheet rows with exactly the contact sheet's keys (`stage8.ui.state`), each
row an `st.fragment`; every control writes "row N: <action>" into its row (a fragment rerun
redraws only its own row) and into the page's log. Row 2 needs attention until it is selected.
After select or trash a row shows a "Why?" bar (three reasons and Skip) until its next action;
each row has the real sheet's stars (one st.feedback widget; "star 0" when cleared).
A text input checks that typing never fires a key. Rows are tall enough that the third one
starts below the fold at 1280×800.
"""

from __future__ import annotations

import streamlit as st

from stage8.ui import keyboard
from stage8.ui import state as keys

ROWS = (1, 2, 3)
LOG = "keyboard_app_log"
NEEDS = "keyboard_app_needs"
WHY = "keyboard_app_why"  # rows whose "Why?" bar is open

st.set_page_config(page_title="Keyboard fixture", layout="wide")
st.session_state.setdefault(LOG, [])
st.session_state.setdefault(NEEDS, {2})
st.session_state.setdefault(WHY, set())


def note(text: str) -> None:
    st.session_state[LOG].append(text)


def act(iid: int, action: str) -> None:
    note(f"row {iid}: {action}")
    st.session_state[WHY].discard(iid)
    if action in ("select", "trash"):
        st.session_state[WHY].add(iid)
    if action == "select":
        st.session_state[NEEDS].discard(iid)


def answer(iid: int, what: str) -> None:
    note(f"row {iid}: {what}")
    st.session_state[WHY].discard(iid)


def as_is_changed(iid: int) -> None:
    note(f"row {iid}: as-is {'on' if st.session_state[keys.row_as_is(iid)] else 'off'}")


def rated(iid: int) -> None:
    value = st.session_state[keys.row_stars(iid)]  # 0-4, None when cleared
    act(iid, f"star {0 if value is None else value + 1}")


@st.fragment
def row(iid: int) -> None:
    with st.container(key=keys.row_box(iid), border=True):
        st.markdown(f"**Asset {iid}**")
        if iid in st.session_state[NEEDS]:
            with st.container(key=keys.row_needs(iid)):
                st.caption("needs you")
        controls = [
            ("◀", keys.row_prev(iid), "prev"),
            ("▶", keys.row_next(iid), "next"),
            ("Select", keys.row_select(iid), "select"),
            ("Pin", keys.row_pin(iid), "pin"),
            ("Trash", keys.row_trash(iid), "trash"),
            ("Generate", keys.row_generate(iid), "generate"),
            ("Compare", keys.row_compare(iid), "compare"),
            ("Open", keys.row_open(iid), "open"),
        ]
        for column, (label, key, action) in zip(st.columns(len(controls)), controls, strict=True):
            column.button(label, key=key, on_click=act, args=(iid, action))
        st.toggle("Use master as-is", key=keys.row_as_is(iid), on_change=as_is_changed, args=(iid,))
        st.feedback("stars", key=keys.row_stars(iid), on_change=rated, args=(iid,))
        if iid in st.session_state[WHY]:
            with st.container(horizontal=True, key=keys.row_why(iid)):
                for n in (1, 2, 3):
                    st.button(
                        f"{n} reason",
                        key=keys.row_why_code(iid, n),
                        on_click=answer,
                        args=(iid, f"why {n}"),
                    )
                st.button(
                    "Skip", key=keys.row_why_skip(iid), on_click=answer, args=(iid, "why skip")
                )
        st.container(height=200, border=False).caption("the row's images")
        mine = [line for line in st.session_state[LOG] if line.startswith(f"row {iid}:")]
        st.text(f"last: {mine[-1] if mine else 'nothing'}")


st.title("Keyboard fixture")
st.sidebar.caption("The sidebar (collapsed once per browser session at 900 px or narrower)")
keyboard.install()
st.text_input("Note", key="keyboard_app_note")
for iid in ROWS:
    row(iid)


@st.dialog("A dialog")
def dialog() -> None:
    st.write("Keys belong to the dialog while it is open.")
    st.text_input("In the dialog", key="keyboard_app_dialog_note")


top = st.columns(3)
if top[2].button("Open a dialog", key="keyboard_app_dialog"):
    dialog()
top[0].button("Undo", key=keys.SCENE_UNDO, on_click=note, args=("scene: undo",))
top[1].button("Next needing you", key=keys.NEXT_ATTENTION, on_click=note, args=("scene: next",))
st.text("log: " + " | ".join(st.session_state[LOG]))
