"""Review queue: every scene asset instance of a project that needs attention, filterable, and
review mode, which opens one item after another in place (`?project=<name>` with several)."""

import streamlit as st

from stage8.errors import Stage8Error
from stage8.reads.queue import (
    REASON_LABELS,
    attention_stamp,
    count_reasons,
    queue_scopes,
    review_queue,
)
from stage8.ui import keyboard
from stage8.ui import state as keys
from stage8.ui.live import queue_updates
from stage8.ui.messages import NO_PROJECT
from stage8.ui.queue_widgets import filters, queue_list, review_mode
from stage8.ui.session import get_desk, show_error
from stage8.ui.text import inert

desk = get_desk()
st.title("Review queue")
scopes = queue_scopes(desk)
if not scopes:
    st.warning(NO_PROJECT)
    st.stop()
names = list(scopes)
project = names[0]
if len(names) > 1:
    wanted = st.query_params.get("project")
    project = st.selectbox(
        "Project",
        names,
        index=names.index(wanted) if wanted in names else 0,
        key=keys.QUEUE_PROJECT,
    )
    st.query_params["project"] = project
chosen = filters(project, scopes[project])
stamp = attention_stamp(desk)  # before the queue is read: the page is never older than it
try:
    items = review_queue(desk, project, **chosen)
except Stage8Error as exc:
    show_error(exc)
    st.stop()
counts = count_reasons(items)
figures = [f"{counts[r]} {label}" for r, label in REASON_LABELS.items() if counts[r]]
st.caption(
    inert(project)
    + f" · {counts['total']} need attention"
    + (": " + " · ".join(figures) if figures else "")
)
st.subheader("Review mode")
keyboard.install()  # n presses Start / Next here as on the scene sheet
queue_updates(desk, stamp)  # changes made elsewhere show within a few seconds
review_mode(desk, items)
if items:
    st.subheader("Everything that needs attention")
    queue_list(items)
