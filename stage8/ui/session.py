"""The desk as the pages see it: opened once per server process, errors shown in plain words."""

from __future__ import annotations

import functools
import getpass
import logging
import os
from datetime import UTC, datetime

import streamlit as st

from stage8.config import load_settings, redact
from stage8.demo.seed import seed_demo_if_empty
from stage8.desk import Desk, open_desk
from stage8.errors import Stage8Error
from stage8.generation.worker import start_background_worker
from stage8.ui.state import REVIEWER_NAME
from stage8.ui.text import inert

log = logging.getLogger(__name__)


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
        st.error(redact(f"The desk cannot start: {exc}"))
    except Exception:
        something_went_wrong("opening the desk")
    st.stop()
    raise AssertionError("unreachable: st.stop() raises")


def current_actor() -> str:
    """Who is reviewing: the name the reviewer typed in the sidebar, else the OS user."""
    name = st.session_state.get(REVIEWER_NAME)
    if name:
        return str(name)
    return os.environ.get("STAGE8_ACTOR") or _os_user()


@functools.cache
def _os_user() -> str:
    """The OS user's name, looked up once per process (a password-database read each time
    cost about 5 ms per scene-page rerun)."""
    try:
        return getpass.getuser()
    except Exception:
        return "reviewer"


def show_error(exc: Stage8Error) -> None:
    """A service's error on the page: secrets masked, shown inert (it quotes names from data)."""
    st.error(inert(redact(str(exc))), icon=":material/error:")


def something_went_wrong(doing: str) -> None:
    """An unexpected error: the redacted traceback goes to the server log, the visitor gets a
    short message saying what to do (never the traceback)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    log.exception("unexpected error while %s (shown to the visitor at %s)", doing, stamp)
    st.error(
        "Something went wrong on this page. Reload the page to try again; if it keeps "
        "happening, tell the person who runs the desk: the details are in the server log "
        f"at {stamp}.",
        icon=":material/error:",
    )


def run_page(page) -> None:
    """Run the page chosen by st.navigation; a domain error is shown in plain words, anything
    unexpected as a short message (st.stop, st.rerun and page switches pass through: they are
    not Exceptions)."""
    try:
        page.run()
    except Stage8Error as exc:
        show_error(exc)
    except Exception:
        something_went_wrong(f"running page {getattr(page, 'title', '?')!r}")


def ensure_worker() -> None:
    """Start this server process's background generation worker (once); jobs then finish even
    when the reviewer clicks elsewhere, since they run off the script thread."""
    if os.environ.get("STAGE8_APP_WORKER", "1") != "0":
        start_background_worker(get_desk())
