"""Widgets of the admin Reviewers page: the list, add a person, change a role, remove a person.

Each action runs in its button's callback through stage8.reviewers.roles with the identity of
the person using the page (the service refuses non-admins), and leaves one message for the
next run to show."""

from __future__ import annotations

import streamlit as st

from stage8.config import redact
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reviewers.roles import (
    ROLE_RANK,
    Identity,
    ReviewerEntry,
    add_reviewer,
    list_reviewers,
    remove_reviewer,
)
from stage8.ui import state as keys
from stage8.ui.text import inert

ROLES = list(ROLE_RANK)  # viewer, reviewer, admin


def load(desk: Desk, me: Identity) -> list[ReviewerEntry]:
    return list_reviewers(desk, me)


def show_flash() -> None:
    flash = st.session_state.pop(keys.REVIEWERS_FLASH, None)
    if not flash:
        return
    kind, message = flash
    if kind == "error":
        st.error(inert(message), icon=":material/error:")
    else:
        st.success(inert(message), icon=":material/check_circle:")


def reviewers_table(entries: list[ReviewerEntry]) -> None:
    if not entries:
        st.info("Nobody has a role yet.", icon=":material/group:")
        return
    rows = [
        {
            "email": e.email,
            "role": e.role,
            "added by": e.added_by,
            "when": e.added_at,
            "from setting": e.from_setting,
        }
        for e in entries
    ]
    st.dataframe(rows, hide_index=True, width="stretch", key=keys.REVIEWERS_TABLE)


def _guarded(action, done: str) -> None:
    try:
        action()
    except Stage8Error as exc:
        st.session_state[keys.REVIEWERS_FLASH] = ("error", redact(str(exc)))
    else:
        st.session_state[keys.REVIEWERS_FLASH] = ("success", done)


def _add(desk: Desk, me: Identity) -> None:
    email = st.session_state.get(keys.REVIEWERS_ADD_EMAIL) or ""
    role = st.session_state.get(keys.REVIEWERS_ADD_ROLE) or "reviewer"
    try:
        entry = add_reviewer(desk, me, email, role)
    except Stage8Error as exc:
        st.session_state[keys.REVIEWERS_FLASH] = ("error", redact(str(exc)))
        return
    st.session_state[keys.REVIEWERS_FLASH] = (
        "success",
        f"{entry.email} has the {entry.role} role.",
    )
    st.session_state[keys.REVIEWERS_ADD_EMAIL] = ""


def add_form(desk: Desk, me: Identity) -> None:
    st.subheader("Add a person")
    email_col, role_col = st.columns([3, 1], vertical_alignment="bottom")
    email_col.text_input("Email", key=keys.REVIEWERS_ADD_EMAIL, placeholder="name@example.com")
    role_col.selectbox("Role", ROLES, index=1, key=keys.REVIEWERS_ADD_ROLE)
    st.button(
        "Add",
        key=keys.REVIEWERS_ADD,
        type="primary",
        icon=":material/person_add:",
        on_click=_add,
        args=(desk, me),
    )


def change_or_remove(desk: Desk, me: Identity, entries: list[ReviewerEntry]) -> None:
    """Change the role of, or remove, someone in the table (STAGE8_ADMINS are set elsewhere)."""
    listed = [e for e in entries if not e.from_setting]
    if not listed:
        return
    st.subheader("Change a role or remove a person")
    roles = {e.email: e.role for e in listed}
    who_col, role_col = st.columns([3, 1], vertical_alignment="bottom")
    who = who_col.selectbox("Person", list(roles), key=keys.REVIEWERS_PICK)
    current = ROLES.index(roles.get(who, "reviewer"))
    new_role = role_col.selectbox("New role", ROLES, index=current, key=keys.REVIEWERS_NEW_ROLE)
    change_col, remove_col = st.columns(2)
    change_col.button(
        "Change role",
        key=keys.REVIEWERS_CHANGE,
        icon=":material/manage_accounts:",
        disabled=new_role == roles.get(who),
        on_click=_guarded,
        args=(lambda: add_reviewer(desk, me, who, new_role), f"{who} now has the {new_role} role."),
    )
    remove_col.button(
        "Remove",
        key=keys.REVIEWERS_REMOVE,
        icon=":material/person_remove:",
        on_click=_guarded,
        args=(
            lambda: remove_reviewer(desk, me, who),
            f"{who} was removed; they now get the default role ({desk.settings.default_role}).",
        ),
    )
