"""Reviewers (admins only): who has which role, add a person, change a role, remove a person.
Every action goes through stage8.reviewers.roles as the signed-in admin, which refuses anyone
else; the page is listed in the navigation only for admins."""

import streamlit as st

from stage8.errors import Stage8Error
from stage8.ui import reviewer_widgets as w
from stage8.ui.auth import current_identity
from stage8.ui.session import get_desk, show_error

desk = get_desk()
me = current_identity()
st.title("Reviewers")
st.caption(
    "Viewers see and export; reviewers also decide, upload, generate, use as-is and choose "
    "references; admins also apply cleanup, purge, restore scenes and manage this list. "
    "People in STAGE8_ADMINS are always admins; anyone not listed gets "
    f"STAGE8_DEFAULT_ROLE ({desk.settings.default_role})."
)
w.show_flash()
try:
    entries = w.load(desk, me)
except Stage8Error as exc:
    show_error(exc)
    st.stop()
w.reviewers_table(entries)
w.add_form(desk, me)
w.change_or_remove(desk, me, entries)
