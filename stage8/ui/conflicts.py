"""No silent overwrite on the pages: every decision carries the version of the instance the
reviewer was looking at; when someone else changed it since, the reviewer chooses.

    result = decide(instance_id, panel.version, lambda v: select_attempt(
        desk, attempt_id, actor=actor, expected_version=v), intent="select attempt #6")
    ...
    conflict_notice(instance_id)   # in the asset's row or panel

`decide` returns the service's result, or None when the decision was refused as stale: the
decision is then kept in session state (`keys.conflict`), the row is marked to reload (so it
shows the other person's decision at once), and `conflict_notice` says who changed what and
offers "Keep theirs" (drop mine) or "Replace with mine" (the same decision again, against the
version that won).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from stage8.decisions.versions import StaleVersion
from stage8.errors import Stage8Error
from stage8.ui import reason_bar
from stage8.ui import state as keys
from stage8.ui.session import get_desk
from stage8.ui.text import md

Decision = Callable[[int | None], object]  # called with the expected version


@dataclass(frozen=True)
class Conflict:
    instance_id: int
    intent: str  # what this reviewer tried: "select attempt #6"
    summary: str  # what won: "Ana selected #7 at 14:02 UTC"
    current_version: int  # the version to decide against to replace theirs
    decision: Decision
    ok: str | None = None  # the confirmation to show when "Replace with mine" succeeds


def decide(
    instance_id: int,
    version: int | None,
    decision: Decision,
    *,
    intent: str = "change",
    ok: str | None = None,
) -> object | None:
    """Run `decision(version)`; on StaleVersion keep the conflict for `conflict_notice` and
    return None. Other domain errors pass through to the caller."""
    state = st.session_state
    state.pop(keys.conflict(instance_id), None)  # a new decision answers an older conflict
    try:
        return decision(version)
    except StaleVersion as exc:
        state[keys.conflict(instance_id)] = Conflict(
            instance_id=instance_id,
            intent=intent,
            summary=exc.summary or "Someone else changed this asset",
            current_version=exc.current_version,
            decision=decision,
            ok=ok,
        )
        state[keys.panel_dirty(instance_id)] = True
        return None


def act(
    instance_id: int,
    version: int | None,
    decision: Decision,
    *,
    intent: str = "change",
    ok: str | None = None,
) -> None:
    """A button callback's decision, for the sheet row and the full panel alike: mark the
    asset to reload, `decide` against `version`, and keep the outcome (a confirmation or an
    error) for the asset's toast; a conflict is left to `conflict_notice`."""
    st.session_state[keys.panel_dirty(instance_id)] = True
    try:
        result = decide(instance_id, version, decision, intent=intent, ok=ok)
    except Stage8Error as exc:
        st.session_state[keys.panel_flash(instance_id)] = ("error", str(exc))
        return
    if result is None:  # someone else changed the asset: conflict_notice says who
        return
    message = getattr(result, "message", None) or ok
    if message:
        st.session_state[keys.panel_flash(instance_id)] = ("success", message)


def pending(instance_id: int) -> Conflict | None:
    """The conflict waiting for this reviewer's choice on the instance, if any."""
    return st.session_state.get(keys.conflict(instance_id))


def keep_theirs(instance_id: int) -> None:
    """Drop my decision; the row reloads and shows theirs."""
    st.session_state.pop(keys.conflict(instance_id), None)
    st.session_state[keys.panel_dirty(instance_id)] = True


def replace_with_mine(instance_id: int) -> None:
    """Make my decision again against the version that won (a new decision, logged as such)."""
    state = st.session_state
    kept = state.pop(keys.conflict(instance_id), None)
    state[keys.panel_dirty(instance_id)] = True
    if kept is None:
        return
    try:
        result = decide(
            instance_id, kept.current_version, kept.decision, intent=kept.intent, ok=kept.ok
        )
    except Stage8Error as exc:
        state[keys.panel_flash(instance_id)] = ("error", str(exc))
        return
    if result is not None:
        message = getattr(result, "message", None) or kept.ok or "Replaced with your decision."
        state[keys.panel_flash(instance_id)] = ("success", message)
        # My decision is now made: ask why, as after a first try that went through.
        reason_bar.offer(get_desk(), instance_id, kept.current_version)


def conflict_notice(instance_id: int) -> None:
    """ "Ana selected #7 at 14:02 UTC", what I tried, and the two ways on (nothing when there is
    no conflict on the instance)."""
    kept = pending(instance_id)
    if kept is None:
        return
    with st.container(border=True, key=keys.conflict_box(instance_id)):
        st.warning(
            md(
                "{summary}, after you loaded this asset: your {intent} was not applied.",
                summary=kept.summary,
                intent=kept.intent,
            ),
            icon=":material/group:",
        )
        keep, mine = st.columns(2)
        keep.button(
            "Keep theirs",
            key=keys.conflict_keep(instance_id),
            help="Leave their decision as it is.",
            on_click=keep_theirs,
            args=(instance_id,),
        )
        mine.button(
            "Replace with mine",
            key=keys.conflict_replace(instance_id),
            type="primary",
            help=md("Make your {intent} now, replacing theirs.", intent=kept.intent),
            on_click=replace_with_mine,
            args=(instance_id,),
        )
