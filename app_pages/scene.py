"""Scene page: `?scene=<number>` (and `&project=<name>` when there are several projects), a contact
sheet of the scene's assets; `&asset=<name>` opens that asset's full panel in place of its row."""

import streamlit as st

from stage8.errors import Stage8Error
from stage8.ui import keyboard, messages
from stage8.ui.contact_sheet import render_sheet
from stage8.ui.live import scene_board
from stage8.ui.session import get_desk

desk = get_desk()
raw = st.query_params.get("scene")
project = st.query_params.get("project")
if raw is None:
    st.info("Pick a scene on the Overview page, or open a link such as `?scene=1`.")
    messages.back_to_overview()
    st.stop()
try:
    number = int(raw)
except ValueError:
    messages.bad_scene_number(raw)
    st.stop()
try:
    board = scene_board(desk, number, project)
except Stage8Error as exc:
    messages.scene_unavailable(desk, number, project, exc)
    st.stop()
# Say the scene shown in the address (the browser keeps it only when it differs), so a reload, a
# bookmark or a copied link after "Scene 5 ▶" opens scene 5, not the scene the page came from.
st.query_params["scene"] = str(board.scene_number)
keyboard.install()
render_sheet(desk, board, st.query_params.get("asset"))
