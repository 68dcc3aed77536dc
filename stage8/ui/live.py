"""Live scene page: notice changes made elsewhere and show who else is here.

A small fragment reruns every `POLL_SECONDS` on its own (`st.fragment(run_every=...)`) and runs
ONE query: the version of each of the scene's instances (`stage8.reads.live`). Every decision
bumps its instance's version, in any tab, app process, the command line or a worker, so the rows
whose version differs from the one shown are exactly the rows that changed. Only then does it
rerun the page; `scene_board` reloads those rows and reuses the others' data.

Every `HEARTBEAT_SECONDS` it also records this session's presence and reads who else is on the
scene (`stage8.reviewers.presence`), shown as "Also here: Ana, Bo".

    board = scene_board(desk, number, project)      # in the page, instead of reads.board's
    live_updates(desk, board)                        # anywhere on the page

The review queue polls the same way, on `reads.queue.attention_stamp` (one query that changes
whenever the queue can have changed, in any process): `queue_updates(desk, stamp)` with the stamp
read before the page read its queue reruns the page once when it moves.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

import streamlit as st

from stage8.desk import Desk
from stage8.errors import NotAllowed
from stage8.reads.board import SceneBoard, load_panel
from stage8.reads.board import scene_board as load_board
from stage8.reads.live import instance_versions
from stage8.reads.queue import attention_stamp
from stage8.reviewers.presence import heartbeat, who_else
from stage8.ui import state as keys
from stage8.ui.auth import current_identity
from stage8.ui.text import inert

POLL_SECONDS = 2.5
HEARTBEAT_SECONDS = 10.0  # well inside presence.EXPIRY (30 s)


def session_id() -> str:
    """This browser session's id for presence (made once per session)."""
    state = st.session_state
    if keys.LIVE_SESSION not in state:
        state[keys.LIVE_SESSION] = uuid.uuid4().hex
    return state[keys.LIVE_SESSION]


def scene_board(desk: Desk, scene_number: int, project_name: str | None) -> SceneBoard:
    """The scene's board. After the live poll found rows changed elsewhere, only those rows are
    loaded again; the others keep the data their panels show. Otherwise the whole board is
    loaded (a fixed number of queries)."""
    state = st.session_state
    changed = state.pop(keys.LIVE_CHANGED, None)
    previous: SceneBoard | None = state.get(keys.LIVE_BOARD)
    reusable = (
        changed is not None
        and previous is not None
        and changed[0] == previous.scene_id
        and previous.scene_number == scene_number
        and project_name in (None, previous.project_name)
    )
    if not reusable:
        board = load_board(desk, scene_number, project_name)
    else:
        panels = [
            load_panel(desk, p.instance_id)
            if p.instance_id in changed[1]
            else state.get(keys.panel_data(p.instance_id), p)
            for p in previous.panels
        ]
        board = replace(previous, panels=panels)
    state[keys.LIVE_BOARD] = board
    return board


def live_updates(desk: Desk, board: SceneBoard) -> None:
    """The poll and the presence line of one scene page."""
    session_id()
    _poll(desk, board.scene_id, tuple(p.instance_id for p in board.panels))


@st.fragment(run_every=POLL_SECONDS)
def _poll(desk: Desk, scene_id: int, shown_ids: tuple[int, ...]) -> None:
    with st.container(key=keys.LIVE_BOX):
        _presence(desk, scene_id)
    state = st.session_state
    versions = instance_versions(desk, scene_id)
    seen = (scene_id, frozenset(versions.items()))
    if state.get(keys.LIVE_SEEN) == seen:
        return  # the page was already rerun for this state of the database: never loop
    if set(versions) != set(shown_ids):  # an asset was added to or removed from the scene
        state[keys.LIVE_SEEN] = seen
        state.pop(keys.LIVE_BOARD, None)
        st.rerun(scope="app")
    changed = set()
    for instance_id, version in versions.items():
        shown = state.get(keys.panel_data(instance_id))
        if shown is None or shown.version != version:
            changed.add(instance_id)
    if changed:
        state[keys.LIVE_SEEN] = seen
        state[keys.LIVE_CHANGED] = (scene_id, changed)
        st.rerun(scope="app")


def _presence(desk: Desk, scene_id: int) -> None:
    state = st.session_state
    kept = state.get(keys.LIVE_PRESENCE)
    now = time.monotonic()
    if kept is None or kept[0] != scene_id or now - kept[1] >= HEARTBEAT_SECONDS:
        try:
            identity = current_identity()
        except NotAllowed:
            return
        heartbeat(desk, scene_id, session_id(), identity)
        names = [p.name for p in who_else(desk, scene_id, session_id())]
        kept = (scene_id, now, names)
        state[keys.LIVE_PRESENCE] = kept
    names = kept[2]
    if names:
        st.caption(
            ":material/group: Also here: " + ", ".join(inert(n) for n in names),
        )


def queue_updates(desk: Desk, stamp: tuple) -> None:
    """The review queue's poll: rerun the page once when `attention_stamp` is no longer the
    `stamp` the page was drawn under (read it BEFORE reading the queue, so the page is never
    older than the stamp it keeps)."""
    st.session_state[keys.QUEUE_LIVE_STAMP] = stamp
    _poll_queue(desk)


@st.fragment(run_every=POLL_SECONDS)
def _poll_queue(desk: Desk) -> None:
    state = st.session_state
    now = attention_stamp(desk)
    if now != state.get(keys.QUEUE_LIVE_STAMP):
        state[keys.QUEUE_LIVE_STAMP] = now  # rerun once for this state of the database
        st.rerun(scope="app")
