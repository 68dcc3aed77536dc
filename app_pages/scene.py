"""Scene page: `?scene=<number>` (and `&project=<name>` when there are several projects)."""

import streamlit as st

from stage8.errors import Stage8Error
from stage8.reads.board import scene_board
from stage8.ui.scene_panels import render_scene
from stage8.ui.session import get_desk, show_error

desk = get_desk()
raw = st.query_params.get("scene")
project = st.query_params.get("project")
if raw is None:
    st.info("Pick a scene on the Overview page, or open a link like `?scene=1`.")
    st.page_link("app_pages/overview.py", label="Back to the overview", icon=":material/dashboard:")
    st.stop()
try:
    number = int(raw)
except ValueError:
    st.error(f"`scene={raw}` is not a scene number: use a whole number such as `?scene=1`.")
    st.stop()
try:
    board = scene_board(desk, number, project)
except Stage8Error as exc:
    show_error(exc)
    st.page_link("app_pages/overview.py", label="Back to the overview", icon=":material/dashboard:")
    st.stop()
render_scene(desk, board)
