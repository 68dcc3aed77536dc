"""One contact-sheet row: an asset's status, the shown attempt, the strip of live attempts
(labelled #n), the effective reference and the row's actions, in one fragment.

A click in a row reruns only that row. The row's data comes from the full page run through
session state (loaded for every row in a few queries); a decision made in the row reloads it.
The element keys are the keyboard layer's contract (`stage8.ui.state`, "the contact sheet").
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions import attempts as ledger
from stage8.decisions.duplicates import flagged_same_as
from stage8.decisions.use_master import set_use_master_as_is
from stage8.decisions.views import AttemptView
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.generation.run import queue_generation
from stage8.reads.board import AssetPanel, load_panel, pending_jobs
from stage8.reviewers.roles import Identity
from stage8.ui import conflicts, reason_bar
from stage8.ui import state as keys
from stage8.ui.attempt_order import ordered
from stage8.ui.auth import can, current_identity
from stage8.ui.compare import open_compare
from stage8.ui.media import show_image, show_images
from stage8.ui.session import ensure_worker, get_desk
from stage8.ui.sheet_css import CELL_WIDTH
from stage8.ui.sheet_status import cell_marks, chips, needs_attention
from stage8.ui.star_rating import star_rating
from stage8.ui.text import inert, md

STRIP = 6  # thumbnails in a row's strip (six fit on one line at 1280 px); more scroll with <- / ->
# The shown attempt: its 160 px rendition, shown at exactly that width (st.image passes it through).
# The 260 px rendition of a square image makes a row 292 px tall, so fewer than three rows fit on
# a 1280x800 screen; the full panel (`&asset=`) shows the 520 px one.
IMAGE_WIDTH = 160
REFERENCE_WIDTH = 96


def act(
    scene_id: int,
    instance_id: int,
    fn: Callable[[int | None], object],
    ok: str | None = None,
    *,
    version: int | None = None,
    intent: str = "change",
) -> None:
    """Run a decision from a row's button callback against the `version` the row showed
    (`fn` takes it); keep the outcome for the row's toast, or the conflict for its notice.
    Any action closes the row's "Why?" bar; a reasoned decision opens it again for itself."""
    st.session_state[keys.sheet_focus(scene_id)] = instance_id
    reason_bar.close(instance_id)
    conflicts.act(instance_id, version, fn, intent=intent, ok=ok)
    reason_bar.offer(get_desk(), instance_id, version)


def _toast(instance_id: int) -> None:
    """A confirmation as a toast (a fixed spot: no action moves the page); errors stay."""
    flash = st.session_state.pop(keys.panel_flash(instance_id), None)
    if not flash:
        return
    kind, message = flash
    if kind == "error":
        st.toast(inert(message), icon=":material/error:", duration="infinite")
    else:
        st.toast(inert(message), icon=":material/check_circle:")


def _panel(desk: Desk, instance_id: int) -> AssetPanel | None:
    panel = st.session_state.get(keys.panel_data(instance_id))
    if panel is None or st.session_state.pop(keys.panel_dirty(instance_id), False):
        try:
            panel = load_panel(desk, instance_id)
        except Stage8Error as exc:
            st.error(inert(exc))
            return None
        st.session_state[keys.panel_data(instance_id)] = panel
    return panel


def shown_attempt(panel: AssetPanel) -> AttemptView | None:
    """The attempt the row shows: the one the reviewer moved to, else the selected one (a new
    selection made elsewhere, e.g. by as-is or a finished generation, is shown when it comes)."""
    attempts = panel.attempts
    if not attempts:
        return None
    state = st.session_state
    iid = panel.instance_id
    selected = panel.selected or attempts[-1]
    if state.get(keys.row_seen_selected(iid)) != selected.id:
        state[keys.row_seen_selected(iid)] = selected.id
        state[keys.row_shown(iid)] = selected.id
    by_id = {a.id: a for a in attempts}
    shown = by_id.get(state.get(keys.row_shown(iid)), selected)
    state[keys.row_shown(iid)] = shown.id
    return shown


def _show(instance_id: int, attempt_id: int) -> None:
    reason_bar.close(instance_id)
    st.session_state[keys.row_shown(instance_id)] = attempt_id


@st.fragment
def sheet_row(desk: Desk, scene_id: int, instance_id: int) -> None:
    """One asset's row; a click in it reruns only this fragment."""
    panel = _panel(desk, instance_id)
    if panel is None:
        return
    panel = ordered(panel)  # the strip's order: the page's "Order" control
    shown = shown_attempt(panel)
    box = st.container(border=True, key=keys.row_box(instance_id))
    with box, st.container(horizontal=True, gap="small"):
        with st.container(width=IMAGE_WIDTH, key=keys.row_shown_box(instance_id)):
            if shown is None:
                st.caption("No image yet for this asset in this scene.")
            else:
                show_image(shown.image_key, display=True, width=IMAGE_WIDTH)
                _stars(desk, scene_id, panel, shown)  # over the image's foot: no extra height
        with st.container(width="stretch", gap="small"):
            _heading(panel, shown)
            _strip(panel, shown)
            _actions(desk, scene_id, panel, shown)
            # Under the actions while open: the strip and the buttons above stay where they
            # were and usable (the row grows at its foot until the bar goes).
            reason_bar.reason_bar(desk, instance_id)
        with st.container(width=REFERENCE_WIDTH):
            _reference(panel)
    conflicts.conflict_notice(instance_id)
    if panel.pending_jobs:
        _watch_jobs(desk, instance_id)
    _toast(instance_id)


def _heading(panel: AssetPanel, shown: AttemptView | None) -> None:
    # Chips are the desk's own words; only the asset name and type are data.
    drift_below = get_desk().settings.drift_below
    badges = " ".join(f":{c.colour}-badge[{c.label}]" for c in chips(panel, drift_below))
    line = md("**{name}** · {type} ", name=panel.asset_name, type=panel.asset_type) + badges
    if needs_attention(panel):
        # The marker the keyboard layer looks for ("n": next that needs attention).
        with st.container(key=keys.row_needs(panel.instance_id)):
            st.markdown(line)
    else:
        st.markdown(line)


def _stars(desk: Desk, scene_id: int, panel: AssetPanel, shown: AttemptView | None) -> None:
    if shown is None:
        return
    iid = panel.instance_id
    star_rating(
        desk,
        shown,
        panel.ratings.get(shown.id),
        key=keys.row_stars(iid),
        actor=current_identity(),
        may=can("decide"),
        act=lambda fn, ok, intent: act(scene_id, iid, fn, ok, version=panel.version, intent=intent),
    )


def _window(attempts: list[AttemptView], shown: AttemptView) -> list[AttemptView]:
    i = attempts.index(shown)
    lo = max(0, min(i - STRIP // 2, len(attempts) - STRIP))
    return attempts[lo : lo + STRIP]


def _strip(panel: AssetPanel, shown: AttemptView | None) -> None:
    """The window of thumbnails as three elements, not five per cell: the thumbnails in one
    image list, the "#n" buttons under them in one line, their marks in one line of text."""
    if shown is None:
        return
    iid = panel.instance_id
    ids = [a.id for a in panel.attempts]
    i = ids.index(shown.id)
    window = _window(panel.attempts, shown)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        _arrow(iid, ":material/chevron_left:", keys.row_prev(iid), "previous (←)", ids, i - 1)
        with st.container(width="content", gap=None, key=keys.row_strip(iid)):
            show_images([a.thumb_key for a in window], alt=_alts(window))  # drawn CELL_WIDTH wide
            with st.container(horizontal=True, gap="small"):
                for a in window:
                    _thumb_button(panel, a, shown)
            with st.container(key=keys.row_marks(iid)):
                st.markdown(_marks_line(panel, window), unsafe_allow_html=True)
        _arrow(iid, ":material/chevron_right:", keys.row_next(iid), "next (→)", ids, i + 1)


def _alts(window: list[AttemptView]) -> list[str]:
    return [f"Attempt #{a.attempt_number}" for a in window]


def _thumb_button(panel: AssetPanel, a: AttemptView, shown: AttemptView) -> None:
    what = "selected" if a.selected else "not selected"
    score = panel.continuity.get(a.id)
    if score is not None:
        what += f", continuity {score}"
    if flagged_same_as(a.extra) is not None:
        what += f", looks the same as #{flagged_same_as(a.extra)}"
    st.button(
        ("✓ " if a.selected else "") + f"#{a.attempt_number}",
        key=keys.row_show(panel.instance_id, a.id),
        help=f"Show attempt #{a.attempt_number} ({what}, {a.source_label})",
        type="primary" if a.id == shown.id else "secondary",
        width=CELL_WIDTH,
        on_click=_show,
        args=(panel.instance_id, a.id),
    )


def _marks_line(panel: AssetPanel, window: list[AttemptView]) -> str:
    """One cell per thumbnail, each as wide as it: the continuity score ("drift" under the
    threshold), the rating and the look-alike mark; a cell keeps its place while empty, so the
    row keeps its height when scores arrive. Only the desk's own numbers and words: no data."""
    drift_below = get_desk().settings.drift_below
    return "".join(
        f'<span class="s8-cell" data-attempt="{a.attempt_number}">'
        + "".join(cell_marks(panel, a, drift_below))
        + "</span>"
        for a in window
    )


def _arrow(iid: int, icon: str, key: str, what: str, ids: list[int], to: int) -> None:
    st.button(
        icon,
        key=key,
        help=f"Show the {what} attempt",
        disabled=not 0 <= to < len(ids),
        on_click=_show,
        args=(iid, ids[to] if 0 <= to < len(ids) else 0),
    )


def _actions(desk: Desk, scene_id: int, panel: AssetPanel, shown: AttemptView | None) -> None:
    iid = panel.instance_id
    may = can("decide")
    actor = current_identity()
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.button(
            "Select",
            key=keys.row_select(iid),
            type="primary",
            help="Use the shown attempt for this asset (Enter or s)",
            disabled=not may or shown is None or shown.selected,
            on_click=act,
            args=(
                scene_id,
                iid,
                lambda v: ledger.select_attempt(desk, shown.id, actor=actor, expected_version=v),
            ),
            kwargs={
                "version": panel.version,
                "intent": f"selection of attempt #{shown.attempt_number}" if shown else "select",
            },
        )
        _pin_and_trash(desk, scene_id, panel, shown, may, actor)
        _as_is(desk, scene_id, panel, may, actor)
        st.button(
            ":material/auto_awesome:",
            key=keys.row_generate(iid),
            help=_generate_help(panel),
            disabled=not can("generate") or panel.use_master_as_is,
            on_click=act,
            args=(scene_id, iid, lambda _v: _queued(desk, iid, actor)),
        )
        if st.button(
            ":material/compare:",
            key=keys.row_compare(iid),
            help="Compare the shown attempt, the selected one and the reference (c)",
            disabled=shown is None,
        ):
            open_compare(desk, panel, shown.id)
        if st.button(
            ":material/open_in_full:",
            key=keys.row_open(iid),
            help="Open the full panel: large image, metadata, references, upload, history",
        ):
            st.session_state[keys.sheet_focus(scene_id)] = iid
            st.query_params["asset"] = panel.asset_name
            st.rerun()  # the whole page: the full panel replaces this row


def _pin_and_trash(
    desk: Desk,
    scene_id: int,
    panel: AssetPanel,
    shown: AttemptView | None,
    may: bool,
    actor: Identity,
) -> None:
    iid = panel.instance_id
    pinned = shown is not None and shown.pinned
    st.button(
        ":material/keep_off:" if pinned else ":material/keep:",
        key=keys.row_pin(iid),
        help=(
            "Unpin the shown attempt (p)"
            if pinned
            else "Pin the shown attempt: cleanup keeps it (p)"
        ),
        disabled=not may or shown is None,
        on_click=act,
        args=(
            scene_id,
            iid,
            lambda v: ledger.set_pinned(
                desk, shown.id, not pinned, actor=actor, expected_version=v
            ),
            f"Attempt #{shown.attempt_number} unpinned."
            if pinned
            else f"Attempt #{shown.attempt_number} pinned: cleanup will keep it."
            if shown is not None
            else None,
        ),
        kwargs={"version": panel.version, "intent": "unpin" if pinned else "pin"},
    )
    blocked = shown is not None and shown.selected
    st.button(
        ":material/delete:",
        key=keys.row_trash(iid),
        help="The selected attempt cannot be moved to the trash."
        if blocked
        else "Move the shown attempt to the trash (x)",
        disabled=not may or shown is None or blocked,
        on_click=act,
        args=(
            scene_id,
            iid,
            lambda v: ledger.trash_attempt(desk, shown.id, actor=actor, expected_version=v),
            f"Attempt #{shown.attempt_number} moved to the trash." if shown is not None else None,
        ),
        kwargs={"version": panel.version, "intent": "move to the trash"},
    )


def _as_is(desk: Desk, scene_id: int, panel: AssetPanel, may: bool, actor: Identity) -> None:
    iid = panel.instance_id
    key = keys.row_as_is(iid)
    st.session_state[key] = panel.use_master_as_is

    def toggle() -> None:
        on = bool(st.session_state[key])
        act(
            scene_id,
            iid,
            lambda v: set_use_master_as_is(desk, iid, on, actor=actor, expected_version=v),
            version=panel.version,
            intent="use master as-is " + ("on" if on else "off"),
        )

    st.toggle(
        "As-is",
        key=key,
        on_change=toggle,
        disabled=not can("use_master_as_is"),
    )


def _generate_help(panel: AssetPanel) -> str:
    if panel.use_master_as_is:
        return "Turn 'use master as-is' off to generate"
    help_ = "Generate one more attempt with the default prompt (g)"
    if panel.failed_job_error and not panel.pending_jobs:
        help_ += md(". The last generation failed: {error}", error=panel.failed_job_error)
    return help_


class _Queued:
    def __init__(self, job_ids: list[int]) -> None:
        self.message = f"Generation queued ({len(job_ids)} job). It appears here when done."


def _queued(desk: Desk, instance_id: int, actor: Identity) -> _Queued:
    jobs = queue_generation(desk, instance_id, actor=actor)
    ensure_worker()
    return _Queued(jobs)


def _reference(panel: AssetPanel) -> None:
    ref = panel.reference
    if ref is None or ref.effective_key is None:
        st.caption("No reference")
        return
    show_image(ref.effective_thumb_key)  # the thumbnail rendition: a full image is never sent
    entry = ref.chain[ref.effective_index] if ref.effective_index is not None else None
    label = entry.label if entry is not None else "Reference"
    st.caption(md("Ref: {label}", label=label) + (" · :red[stale]" if ref.stale else ""))


@st.fragment(run_every=2)
def _watch_jobs(desk: Desk, instance_id: int) -> None:
    """While a generation runs: when it is done, reload the page (its row shows the result)."""
    if pending_jobs(desk, instance_id):
        return
    st.session_state[keys.panel_dirty(instance_id)] = True
    st.rerun()
