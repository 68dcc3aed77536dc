"""What every page shares: the optional login gate, the sidebar and the demo-data banner."""

from __future__ import annotations

import streamlit as st

from stage8.config import app_password_setting, load_settings
from stage8.desk import Desk
from stage8.errors import ConfigError
from stage8.reviewers.gate import Gate, Throttle
from stage8.ui.auth import auth_configured
from stage8.ui.queue_widgets import sidebar_queue_link
from stage8.ui.session import current_actor, something_went_wrong
from stage8.ui.state import (
    DEMO_BANNER_HIDDEN,
    DEMO_BANNER_HIDE,
    GATE_THROTTLE,
    LOGIN_FORM,
    LOGIN_PASSWORD,
    REVIEWER_NAME,
    SIGNED_IN,
)
from stage8.ui.text import md

CONNECT_HELP = (
    "Set `STAGE8_DATABASE_URL` to a PostgreSQL URL (for Supabase, the connection string of your "
    "project) and `STAGE8_STORAGE=supabase` with `SUPABASE_URL`, `SUPABASE_KEY` and "
    "`STAGE8_BUCKET`, in the environment or `.streamlit/secrets.toml`, then restart the app."
)


@st.cache_resource(show_spinner=False)
def process_gate() -> Gate:
    """The server process's gate: its guess throttle is shared by every browser session."""
    return Gate()


def gate_password() -> str | None:
    """The app password, read from the settings alone (no database, no store), so the gate can
    come before anything that can fail. When even that cannot be read, the page stops with a
    message that reveals nothing of the configuration to a visitor."""
    try:
        return load_settings().app_password
    except ConfigError:
        try:
            return app_password_setting()  # the other settings are reported after the gate
        except ConfigError:
            something_went_wrong("reading the settings (is .streamlit/secrets.toml valid TOML?)")
            st.stop()
            raise


def signed_in(password: str | None) -> bool:
    """Whether this browser session may see the desk (always, when no password is set)."""
    return not password or bool(st.session_state.get(SIGNED_IN))


def login_gate(password: str | None) -> None:
    """When STAGE8_APP_PASSWORD is set, ask for it once per browser session; nothing else of the
    page runs (or is shown) before it is given. Wrong guesses are slowed down (see Gate)."""
    if signed_in(password):
        return
    gate = process_gate()
    throttle = st.session_state.setdefault(GATE_THROTTLE, Throttle())
    st.title("Stage 8 Review Desk")
    with st.form(LOGIN_FORM, clear_on_submit=True, enter_to_submit=True):
        typed = st.text_input("Password", type="password", key=LOGIN_PASSWORD)
        submitted = st.form_submit_button("Sign in")
    if submitted and typed:
        verdict = gate.try_password(typed, password, throttle)
        if verdict.ok:
            st.session_state[SIGNED_IN] = True
            st.session_state.pop(GATE_THROTTLE, None)
            st.rerun()
        _refused(verdict.wait_seconds, checked=verdict.checked)
    elif wait := gate.wait_seconds(throttle):
        _refused(wait, checked=False)
    st.stop()


def _refused(wait_seconds: int, *, checked: bool) -> None:
    wrong = "That password is not right. " if checked else ""
    if wait_seconds:
        unit = "second" if wait_seconds == 1 else "seconds"
        st.error(f"{wrong}Too many wrong passwords: wait {wait_seconds} {unit}, then try again.")
    else:
        st.error("That password is not right.")


def sidebar(desk: Desk) -> None:
    with st.sidebar:
        sidebar_queue_link(desk)
        if not auth_configured():  # signed in, the decisions carry the person's own identity
            st.text_input(
                "Reviewer name",
                key=REVIEWER_NAME,
                placeholder=current_actor(),
                help="Recorded with every decision you make.",
            )
        db = "SQLite (embedded)" if desk.dialect == "sqlite" else "PostgreSQL"
        st.caption(md("Database: {db} · Storage: {storage}", db=db, storage=desk.settings.storage))


def demo_banner(desk: Desk) -> None:
    """Say that this is demo data and how to connect a real database; the reviewer can close it
    for the rest of the session (on a laptop screen it would hold back the scene's first rows)."""
    if not desk.settings.is_default_database or st.session_state.get(DEMO_BANNER_HIDDEN):
        return
    with st.container(horizontal=True, gap="small", wrap=False):
        st.info(
            md(
                "**Demo data.** You are looking at the demo project on the embedded database "
                "(in {home}). ",
                home=desk.settings.home,
            )
            + f"To review real work: {CONNECT_HELP}",
            icon=":material/science:",
        )
        st.button(
            ":material/close:",
            key=DEMO_BANNER_HIDE,
            help="Hide this note until the browser tab is closed",
            on_click=_hide_banner,
        )


def _hide_banner() -> None:
    st.session_state[DEMO_BANNER_HIDDEN] = True


# Streamlit's own "auto" sidebar collapses only at or below 768 px; a laptop window a little wider
# (800 px) would still lose half its width to the sidebar. The browser knows the width, so a
# zero-height component collapses the sidebar there, once per page and tab (the reviewer can open
# it again; Streamlit remembers that choice).
_NARROW_SIDEBAR_JS = """<script>
const w = window.parent, flag = 'stage8-sidebar-narrow:' + w.location.pathname;
if (w.innerWidth < 1000 && !w.sessionStorage.getItem(flag)) {
  w.sessionStorage.setItem(flag, '1');
  let n = 0; const t = setInterval(() => {
    const bar = w.document.querySelector('[data-testid="stSidebar"]');
    const close = w.document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (bar && bar.getAttribute('data-collapsed') === 'true') clearInterval(t);
    else if (close) { close.click(); clearInterval(t); }
    if (++n > 60) clearInterval(t);
  }, 50);
}
</script>"""


def collapse_sidebar_when_narrow() -> None:
    with st.sidebar:
        st.iframe(_NARROW_SIDEBAR_JS, height=1)
