"""The desk as the pages see it: opened once per server process, errors shown in plain words."""

from __future__ import annotations

import getpass
import os

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from stage8.config import load_settings
from stage8.demo.seed import seed_demo_if_empty
from stage8.desk import Desk, open_desk
from stage8.errors import Stage8Error
from stage8.generation.worker import start_background_worker
from stage8.ui.state import REVIEWER_NAME
from stage8.ui.text import inert


@st.cache_resource(show_spinner="Opening the desk…")
def _open() -> Desk:
    # open_desk runs the storage preflight; a failure is not cached, so a reload tries again.
    desk = open_desk(load_settings())
    seed_demo_if_empty(desk)
    return desk


def get_desk() -> Desk:
    """The process-wide desk; on a configuration problem, say what to fix and stop the page."""
    try:
        return _open()
    except Stage8Error as exc:
        st.error(f"The desk cannot start: {exc}")
        st.stop()
        raise  # unreachable: st.stop() raises
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        st.error(
            f"The desk cannot reach its database ({reason}). Check STAGE8_DATABASE_URL and that "
            "the server is running, then reload the page."
        )
        st.stop()
        raise


def current_actor() -> str:
    """Who is reviewing: the name the reviewer typed in the sidebar, else the OS user."""
    name = st.session_state.get(REVIEWER_NAME)
    if name:
        return str(name)
    try:
        return os.environ.get("STAGE8_ACTOR") or getpass.getuser()
    except Exception:
        return "reviewer"


def show_error(exc: Stage8Error) -> None:
    """A service's error on the page; its message quotes names from data, so it is shown inert."""
    st.error(inert(exc), icon=":material/error:")


def ensure_worker() -> None:
    """Start this server process's background generation worker (once); jobs then finish even
    when the reviewer clicks elsewhere, since they run off the script thread."""
    if os.environ.get("STAGE8_APP_WORKER", "1") != "0":
        start_background_worker(get_desk())
