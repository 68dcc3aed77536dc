"""Stage 8 Review Desk: `streamlit run app.py`."""

import streamlit as st

from stage8.config import install_log_redaction
from stage8.ui.auth import can, may_see_pages, require_sign_in
from stage8.ui.chrome import (
    collapse_sidebar_when_narrow,
    demo_banner,
    gate_password,
    login_gate,
    sidebar,
    signed_in,
)
from stage8.ui.session import ensure_worker, get_desk, run_page

st.set_page_config(
    page_title="Stage 8 Review Desk", page_icon=":material/movie_edit:", layout="wide"
)
# No traceback ever reaches a visitor, even from a fragment rerun that run_page does not wrap.
st.set_option("client.showErrorDetails", "none")
install_log_redaction()  # server log lines pass through stage8.config.redact

pages = [
    st.Page(
        "app_pages/overview.py",
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page("app_pages/scene.py", title="Scene", icon=":material/movie:", url_path="scene"),
    st.Page(
        "app_pages/queue.py", title="Review queue", icon=":material/checklist:", url_path="queue"
    ),
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
REVIEWERS_PAGE = st.Page(
    "app_pages/reviewers.py", title="Reviewers", icon=":material/group:", url_path="reviewers"
)
# The gate comes first: it needs only the password setting, so a broken database (or store)
# shows nothing, not even its error, to a visitor who has not signed in. Navigation is set up
# (hidden) before it only so that a deep link such as /scene?scene=3 still opens after sign-in.
password = gate_password()
visible = signed_in(password) and may_see_pages()
if visible and can("manage_reviewers"):  # listed only for admins (the services refuse others)
    pages.append(REVIEWERS_PAGE)
navigation = st.navigation(pages, position="sidebar" if visible else "hidden")
login_gate(password)
require_sign_in()  # with [auth] in secrets.toml: st.login, role from the database
desk = get_desk()
ensure_worker()  # queued generation jobs run off the script thread
sidebar(desk)
collapse_sidebar_when_narrow()
demo_banner(desk)
run_page(navigation)
