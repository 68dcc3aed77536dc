"""What every page shares: the optional login gate, the sidebar and the demo-data banner."""

from __future__ import annotations

import hmac

import streamlit as st

from stage8.desk import Desk
from stage8.ui.session import current_actor
from stage8.ui.state import REVIEWER_NAME
from stage8.ui.text import md

CONNECT_HELP = (
    "Set `STAGE8_DATABASE_URL` to a PostgreSQL URL (for Supabase, the connection string of your "
    "project) and `STAGE8_STORAGE=supabase` with `SUPABASE_URL`, `SUPABASE_KEY` and "
    "`STAGE8_BUCKET`, in the environment or `.streamlit/secrets.toml`, then restart the app."
)


def login_gate(password: str | None) -> None:
    """When STAGE8_APP_PASSWORD is set, ask for it once per browser session."""
    if not password or st.session_state.get("authenticated"):
        return
    st.title("Stage 8 Review Desk")
    typed = st.text_input("Password", type="password", key="login_password")
    if typed and hmac.compare_digest(typed, password):
        st.session_state["authenticated"] = True
        st.rerun()
    elif typed:
        st.error("That password is not right.")
    st.stop()


def sidebar(desk: Desk) -> None:
    with st.sidebar:
        st.text_input(
            "Reviewer name",
            key=REVIEWER_NAME,
            placeholder=current_actor(),
            help="Recorded with every decision you make.",
        )
        db = "SQLite (embedded)" if desk.dialect == "sqlite" else "PostgreSQL"
        st.caption(md("Database: {db} · Storage: {storage}", db=db, storage=desk.settings.storage))


def demo_banner(desk: Desk) -> None:
    if desk.settings.is_default_database:
        st.info(
            md(
                "**Demo data.** You are looking at the demo project on the embedded database "
                "(in {home}). ",
                home=desk.settings.home,
            )
            + f"To review real work: {CONNECT_HELP}",
            icon=":material/science:",
        )
