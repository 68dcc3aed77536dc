"""The panel's eviction notice: an attempt the cap moved to the trash is said, with Restore.

Every way of adding an attempt (upload, generation in the worker, a use-as-is copy) records an
`evict` decision event when the cap moves an older attempt to the trash, so the panel learns of
evictions the same way for all of them: from its recent events newer than the last one it
looked at. The first look only takes note (what happened before the page opened is not news).
The notice lives in a fixed-height spot at the panel's top that is always there, so it appears
and goes without moving anything below it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions.attempts import restore_attempt
from stage8.decisions.events import EventView
from stage8.desk import Desk
from stage8.reads.board import AssetPanel
from stage8.reviewers.roles import Identity
from stage8.ui import state as keys

Act = Callable[..., None]
NOTICE_HEIGHT = 44  # px: one line of text and a small button


def new_evictions(
    history: list[EventView], seen: int | None
) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(the newest event id, the (attempt id, number) of evictions newer than `seen`).

    `seen` None: the first look, which announces nothing."""
    newest = max((e.id for e in history), default=0)
    if seen is None:
        return newest, ()
    evicted = tuple(
        (e.attempt_id, int((e.after or {}).get("attempt_number", 0)))
        for e in sorted(history, key=lambda e: e.id)
        if e.kind == "evict" and e.id > seen and e.attempt_id is not None
    )
    return max(newest, seen), evicted


def notice_text(numbers: list[int], cap: int) -> str:
    """ "Attempt #1 moved to the trash: at most 8 live attempts are kept." """
    listed = ", ".join(f"#{n}" for n in numbers)
    what = "Attempt" if len(numbers) == 1 else "Attempts"
    return f"{what} {listed} moved to the trash: at most {cap} live attempts are kept."


def eviction_notice(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    """Announce what the cap moved to the trash since the panel last looked, with Restore."""
    iid = panel.instance_id
    state = st.session_state
    newest, evicted = new_evictions(panel.history, state.get(keys.evict_seen(iid)))
    state[keys.evict_seen(iid)] = newest
    if evicted:
        state[keys.evict_notice(iid)] = evicted
    notice = state.get(keys.evict_notice(iid))
    with st.container(
        key=keys.evict_box(iid),
        height=NOTICE_HEIGHT,
        border=False,
        horizontal=True,
        vertical_alignment="center",
    ):
        if not notice:
            return
        cap = desk.settings.attempt_cap
        st.markdown(f":material/delete: {notice_text([n for _, n in notice], cap)}")
        st.button(
            "Restore",
            key=keys.evict_restore(iid),
            type="tertiary",
            on_click=act,
            # Several attempts, one transaction each: restored without a version check.
            args=(iid, lambda _version: _restore(desk, iid, notice, actor)),
        )
        st.button(
            "Dismiss",
            key=keys.evict_dismiss(iid),
            type="tertiary",
            on_click=state.pop,
            args=(keys.evict_notice(iid), None),
        )


class _Restored:
    def __init__(self, numbers: list[int]) -> None:
        listed = ", ".join(f"#{n}" for n in numbers)
        self.message = (
            f"Restored attempt {listed} from the trash. Pin it to keep it when the next "
            "attempt arrives."
        )


def _restore(
    desk: Desk, iid: int, notice: tuple[tuple[int, int], ...], actor: Identity
) -> _Restored:
    """Bring the announced attempts back (one transaction each); the notice is then done."""
    for attempt_id, _ in notice:
        restore_attempt(desk, attempt_id, actor=actor)
    st.session_state.pop(keys.evict_notice(iid), None)
    return _Restored([n for _, n in notice])
