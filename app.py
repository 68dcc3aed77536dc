"""Stage 8 Review Desk: `streamlit run app.py`."""

import streamlit as st

from stage8.ui.auth import require_sign_in
from stage8.ui.chrome import demo_banner, login_gate, sidebar
from stage8.ui.session import ensure_worker, get_desk

st.set_page_config(
    page_title="Stage 8 Review Desk", page_icon=":material/movie_edit:", layout="wide"
)

desk = get_desk()
ensure_worker()  # queued generation jobs run off the script thread
login_gate(desk.settings.app_password)
require_sign_in()  # with [auth] in secrets.toml: st.login, role from the database

pages = [
    st.Page(
        "app_pages/overview.py",
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page("app_pages/scene.py", title="Scene", icon=":material/movie:", url_path="scene"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:", url_path="export"),
    st.Page(
        "app_pages/analytics.py",
        title="Analytics",
        icon=":material/analytics:",
        url_path="analytics",
    ),
    st.Page("app_pages/storage.py", title="Storage", icon=":material/storage:", url_path="storage"),
    st.Page("app_pages/trash.py", title="Trash", icon=":material/delete:", url_path="trash"),
]
navigation = st.navigation(pages)
sidebar(desk)
demo_banner(desk)
navigation.run()
