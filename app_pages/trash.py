"""Trash: trashed attempts with when each is purged, Restore, and a confirmed Purge now."""

import streamlit as st

from stage8.cleanup.apply import purge_now
from stage8.cleanup.trash import list_trash
from stage8.decisions.attempts import restore_attempt
from stage8.errors import Stage8Error
from stage8.reviewers.roles import allowed
from stage8.ui import cleanup_widgets as w
from stage8.ui.auth import current_identity
from stage8.ui.session import get_desk, show_error

desk = get_desk()
actor = current_identity()
st.title("Trash")
st.caption(
    f"Trashed attempts are purged {desk.settings.trash_retention_days} days after they were "
    "trashed (by the next cleanup on the Storage page). Restore brings one back."
)


def _restore(attempt_id: int) -> None:
    def act() -> str:
        view = restore_attempt(desk, attempt_id, actor=actor)
        return f"Attempt #{view.attempt_number} is back from the trash."

    w.guarded(act)


def _purge(attempt_id: int) -> None:
    w.guarded(lambda: purge_now(desk, attempt_id, actor=actor).message)


w.show_flash()
try:
    items = list_trash(desk)
except Stage8Error as exc:
    show_error(exc)
    st.stop()
if not items:
    st.info("The trash is empty.", icon=":material/delete:")
    st.stop()
st.markdown(f"**{len(items)}** attempts in the trash.")
w.trash_list(
    items,
    on_restore=_restore,
    on_purge=_purge,
    may_restore=allowed(actor, "decide"),
    may_purge=allowed(actor, "purge"),
)
