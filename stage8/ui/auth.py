"""Sign-in with the team's identity provider through Streamlit's own `st.login` / `st.user`.

Configured as Streamlit documents it, in `.streamlit/secrets.toml`:

    [auth]
    redirect_uri = "https://desk.example.com/oauth2callback"
    cookie_secret = "a long random string"
    client_id = "..."                 # one provider: these three keys in [auth] itself
    client_secret = "..."
    server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"

    [auth.partner]                    # or several providers, one table each (no "_" in names)
    client_id = "..."
    ...

When `[auth]` is there, every page waits for a sign-in and the person's role comes from the
database (stage8.reviewers.roles); an incomplete `[auth]` stops the app rather than opening it to
everyone. Without `[auth]` the desk works as before sign-in existed: a typed reviewer name (and
the optional shared password), allowed everything.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from stage8.errors import InvalidInput, NotAllowed
from stage8.reviewers.roles import Identity, allowed, signed_in
from stage8.ui.session import current_actor, get_desk
from stage8.ui.state import IDENTITY_THIS_RUN
from stage8.ui.text import escape_markdown

_SHARED_KEYS = ("redirect_uri", "cookie_secret")
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
DEFAULT_PROVIDER = "default"  # Streamlit's name for the provider configured in [auth] itself


def _auth_section() -> Mapping | None:
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets file at all (StreamlitSecretNotFoundError)
        return None
    return section if isinstance(section, Mapping) else None


def auth_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` table (complete or not)."""
    return _auth_section() is not None


def providers() -> list[str]:
    """The provider names `st.login` accepts, in the order of the secrets file."""
    section = _auth_section() or {}
    names = [
        name
        for name, value in section.items()
        if isinstance(value, Mapping) and any(k in value for k in _PROVIDER_KEYS)
    ]
    if any(k in section for k in _PROVIDER_KEYS):
        names.insert(0, DEFAULT_PROVIDER)
    return names


def configuration_problem() -> str | None:
    """What is missing from `[auth]` for sign-in to work, in words an operator can act on."""
    section = _auth_section() or {}
    missing = [k for k in _SHARED_KEYS if not section.get(k)]
    if missing:
        return f"`[auth]` in .streamlit/secrets.toml needs {' and '.join(missing)}."
    names = providers()
    if not names:
        return (
            "`[auth]` in .streamlit/secrets.toml names no identity provider: add client_id, "
            "client_secret and server_metadata_url to it (or to an `[auth.NAME]` table)."
        )
    for name in names:
        keys = section if name == DEFAULT_PROVIDER else section[name]
        absent = [k for k in _PROVIDER_KEYS if not keys.get(k)]
        if absent:
            table = "[auth]" if name == DEFAULT_PROVIDER else f"[auth.{name}]"
            return f"`{table}` in .streamlit/secrets.toml needs {', '.join(absent)}."
        if "_" in name:
            return f"Rename `[auth.{name}]`: Streamlit refuses provider names with '_'."
    return None


def _is_logged_in() -> bool:
    return bool(st.user.get("is_logged_in", False))


def current_identity() -> Identity:
    """Who is using this page: the signed-in person with their role from the database, or,
    without `[auth]`, the typed reviewer name (allowed everything, as before roles).

    Raises NotAllowed when `[auth]` is configured and nobody with a role is signed in."""
    if not auth_configured():
        return Identity(email=None, name=current_actor(), role="admin", source="typed")
    if not _is_logged_in():
        raise NotAllowed("Sign in to use the desk.")
    email = st.user.get("email")
    if not email:
        raise NotAllowed(
            "Your identity provider did not share your email address, which the desk needs "
            "to know your role. Ask the desk's operator to request the `email` scope."
        )
    if st.user.get("email_verified") is False:
        raise NotAllowed(
            f"Your identity provider has not verified {email}; verify it there, then sign in again."
        )
    name = st.user.get("name")
    return _identity_this_run(str(email), str(name) if name else None)


def _identity_this_run(email: str, name: str | None) -> Identity:
    """The signed-in person's Identity, with their role read from the database once per script
    run (a page asks in every row: about 30 queries a rerun before, a round trip each on a
    remote database). The next run, full or fragment, reads the role again, so a changed role
    applies from the next click on.

    Streamlit gives each run, full or fragment, a new `cursors` dict in the run's context; the
    memo keeps that dict and matches it by identity (holding it, so it cannot be recycled)."""
    ctx = get_script_run_ctx()
    run = ctx.cursors if ctx is not None else None
    memo = st.session_state.get(IDENTITY_THIS_RUN)
    if run is not None and memo is not None and memo[0] is run and memo[1] == (email, name):
        return memo[2]
    try:
        identity = signed_in(get_desk(), email, name)
    except InvalidInput as exc:
        raise NotAllowed(f"The identity provider's email is not usable: {exc}") from exc
    if run is not None:
        st.session_state[IDENTITY_THIS_RUN] = (run, (email, name), identity)
    return identity


def can(action: str) -> bool:
    """Whether the person using this page may do `action` (a key of roles.ACTIONS): pages
    disable the controls of what they may not do (the services refuse it anyway)."""
    try:
        return allowed(current_identity(), action)
    except NotAllowed:
        return False


def may_see_pages() -> bool:
    """Whether this visitor may see the pages' navigation: always without `[auth]`, else only a
    signed-in person with a role (so the sign-in and refusal pages show no page links)."""
    if not auth_configured():
        return True
    if configuration_problem() or not _is_logged_in():
        return False
    try:
        current_identity()
    except NotAllowed:
        return False
    return True


def _sign_in_page() -> None:
    st.title("Stage 8 Review Desk")
    st.write("Sign in with your team's account to review.")
    for name in providers():
        label = "Sign in" if name == DEFAULT_PROVIDER else f"Sign in with {name}"
        args = () if name == DEFAULT_PROVIDER else (name,)
        st.button(label, key=f"sign_in_{name}", on_click=st.login, args=args, type="primary")


def _refusal_page(exc: NotAllowed) -> None:
    st.title("Stage 8 Review Desk")
    st.error(escape_markdown(str(exc)), icon=":material/block:")
    st.button("Sign out", key="sign_out_refused", on_click=st.logout)


def require_sign_in() -> Identity:
    """Call once per run, before any page: without `[auth]`, say so in the sidebar and return
    the typed identity; with it, show the sign-in page (and stop) until the person is signed
    in and has a role, then show who they are and a sign-out button in the sidebar."""
    if not auth_configured():
        st.sidebar.caption(
            "No sign-in is configured: decisions are recorded under the reviewer name typed here."
        )
        return current_identity()
    problem = configuration_problem()
    if problem:
        st.error(f"Sign-in is configured but incomplete. {problem}", icon=":material/key:")
        st.stop()
    if not _is_logged_in():
        _sign_in_page()
        st.stop()
    try:
        me = current_identity()
    except NotAllowed as exc:
        _refusal_page(exc)
        st.stop()
        raise  # unreachable: st.stop() raises
    with st.sidebar:
        st.markdown(f"Signed in as **{escape_markdown(me.name)}**")
        st.caption(f"{escape_markdown(me.actor)} · {me.role}")
        st.button("Sign out", key="sign_out", on_click=st.logout)
    return me
