"""The full panel of one asset (`&asset=NAME` on the scene page), in its own fragment: the
attempts carousel, metadata, actions, the reference carousel, upload and decision history."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import streamlit as st

from stage8.decisions import attempts as ledger
from stage8.decisions import revert as history
from stage8.decisions.duplicates import flagged_same_as
from stage8.decisions.views import AttemptView
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reads.board import AssetPanel, load_panel
from stage8.reviewers.roles import allowed
from stage8.ui import conflicts, reason_bar
from stage8.ui import state as keys
from stage8.ui.attempt_order import ordered
from stage8.ui.auth import current_identity
from stage8.ui.carousel import CarouselItem, carousel
from stage8.ui.decision_widgets import (
    as_is_checkbox,
    generate_button,
    generate_form,
    generation_status,
    reference_carousel,
)
from stage8.ui.eviction import eviction_notice
from stage8.ui.messages import not_allowed_help
from stage8.ui.session import get_desk
from stage8.ui.star_rating import star_rating
from stage8.ui.text import inert, md
from stage8.ui.uploader import upload_widget


def _act(
    instance_id: int,
    fn: Callable[[int | None], object],
    ok: str | None = None,
    intent: str = "change",
) -> None:
    """Run a decision from a button callback against the version the panel showed (`fn` gets
    it as its expected version); keep its outcome, or the conflict, for the panel to show.
    Any action closes the "Why?" bar; a reasoned decision opens it again for itself."""
    shown = st.session_state.get(keys.panel_data(instance_id))
    version = shown.version if shown is not None else None
    reason_bar.close(instance_id)
    conflicts.act(instance_id, version, fn, intent=intent, ok=ok)
    reason_bar.offer(get_desk(), instance_id, version)


@st.fragment
def asset_panel(desk: Desk, instance_id: int) -> None:
    """One asset's panel; a click in it reruns only this fragment.

    A full page run hands the panel's data in through session state (loaded for all panels
    in a few queries); only a decision made in this panel reloads it.
    """
    panel = st.session_state.get(keys.panel_data(instance_id))
    if panel is None or st.session_state.pop(keys.panel_dirty(instance_id), False):
        try:
            panel = load_panel(desk, instance_id)
        except Stage8Error as exc:
            st.error(inert(exc))
            return
        st.session_state[keys.panel_data(instance_id)] = panel
    with st.container(border=True, key=keys.asset_box(instance_id)):
        _header(panel)
        conflicts.conflict_notice(instance_id)
        # Always there, at a fixed height: a notice of the cap's evictions moves nothing.
        eviction_notice(desk, panel, current_identity(), _act)
        attempts_col, side_col = st.columns([3, 2])
        with attempts_col, st.container(key=keys.attempts_box(instance_id)):
            _attempts(desk, panel)
        with side_col:
            actor = current_identity()
            as_is_checkbox(desk, panel, actor, _act)
            with st.container(horizontal=True):
                generate_button(desk, panel, actor, _act, status=False)
                generate_form(desk, panel, actor, _act)
            generation_status(desk, panel)
            upload_widget(
                desk, instance_id, actor, lambda: _uploaded(instance_id), version=panel.version
            )
            with st.container(key=keys.reference_box(instance_id)):
                reference_carousel(desk, panel, actor, _act)
            with st.expander("Decision history"):
                _history(desk, panel)
    # Last, below the panel: a toast still takes a gap in the layout, which must not push the panel.
    _confirm(instance_id)


def _confirm(instance_id: int) -> None:
    """Show the panel's last outcome as a toast: a fixed spot, so no action moves the page.

    A confirmation fades by itself; an error stays until the reviewer closes it.
    """
    flash = st.session_state.pop(keys.panel_flash(instance_id), None)
    if not flash:
        return
    kind, message = flash
    if kind == "error":
        st.toast(inert(message), icon=":material/error:", duration="infinite")
    else:
        st.toast(inert(message), icon=":material/check_circle:")


def _uploaded(instance_id: int) -> None:
    """After an upload: reload the panel and show the selected attempt in the carousel."""
    st.session_state[keys.panel_dirty(instance_id)] = True
    st.session_state.pop(keys.carousel_ident(keys.attempts_carousel(instance_id)), None)


def _header(panel: AssetPanel) -> None:
    status = "as-is" if panel.use_master_as_is else ("decided" if panel.selected else "undecided")
    st.subheader(inert(panel.asset_name))
    details = [panel.asset_type, status] + ([panel.description] if panel.description else [])
    st.caption(" · ".join(inert(d) for d in details))


def _local_time(view: AttemptView) -> str:
    tz_name = st.context.timezone or "UTC"
    try:
        tz = ZoneInfo(tz_name)
    except Exception:
        tz, tz_name = ZoneInfo("UTC"), "UTC"
    return view.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M ") + tz_name


def _attempts(desk: Desk, panel: AssetPanel) -> None:
    attempts = ordered(panel).attempts  # in the order of the page's "Order" control
    if not attempts:
        st.info("No image yet for this asset in this scene.")
        return
    items = [
        CarouselItem(
            ident=a.id,
            image_key=a.image_key,
            thumb_key=a.thumb_key,
            title=f"Attempt #{a.attempt_number}",
            label=f"#{a.attempt_number}",
            marked=a.selected,
            badges=tuple(
                b
                for b, on in (
                    ("Selected", a.selected),
                    ("New", bool(a.extra.get("new_unreviewed")) and not a.selected),
                    (a.source_label, True),
                    ("Pinned", a.pinned),
                    (f"Same as #{flagged_same_as(a.extra)}", flagged_same_as(a.extra) is not None),
                )
                if on
            ),
        )
        for a in attempts
    ]
    selected_index = next((i for i, a in enumerate(attempts) if a.selected), len(attempts) - 1)
    key = keys.attempts_carousel(panel.instance_id)
    # When the selection changed (here, by as-is, a reference change or a finished job), show it.
    selected_id = attempts[selected_index].id
    if st.session_state.get(keys.carousel_selected(key)) != selected_id:
        st.session_state[keys.carousel_selected(key)] = selected_id
        st.session_state.pop(keys.carousel_ident(key), None)
    i = carousel(key, items, start=selected_index)
    shown = attempts[i]
    _metadata(shown)
    actor = current_identity()
    may = allowed(actor, "decide")
    iid = panel.instance_id
    star_rating(
        desk,
        shown,
        panel.ratings.get(shown.id),
        key=keys.panel_stars(iid),
        actor=actor,
        may=may,
        act=lambda fn, ok, intent: _act(iid, fn, ok, intent),
    )
    b1, b2, b3 = st.columns(3)
    b1.button(
        "Select this one",
        key=keys.select_button(iid),
        type="primary",
        disabled=shown.selected or not may,
        help=not_allowed_help(may),
        on_click=_act,
        args=(
            iid,
            lambda v: ledger.select_attempt(desk, shown.id, actor=actor, expected_version=v),
            None,
            f"selection of attempt #{shown.attempt_number}",
        ),
    )
    b2.button(
        "Unpin" if shown.pinned else "Pin",
        key=keys.pin_button(iid),
        disabled=not may,
        help=not_allowed_help(may),
        on_click=_act,
        args=(
            iid,
            lambda v: ledger.set_pinned(
                desk, shown.id, not shown.pinned, actor=actor, expected_version=v
            ),
            "Unpinned." if shown.pinned else "Pinned: cleanup will keep it.",
            f"{'unpin' if shown.pinned else 'pin'} of attempt #{shown.attempt_number}",
        ),
    )
    b3.button(
        "Move to trash",
        key=keys.trash_button(iid),
        disabled=shown.selected or not may,
        help=not_allowed_help(may)
        or ("The selected attempt cannot be trashed." if shown.selected else None),
        on_click=_act,
        args=(
            iid,
            lambda v: ledger.trash_attempt(desk, shown.id, actor=actor, expected_version=v),
            f"Attempt #{shown.attempt_number} moved to the trash.",
            f"move of attempt #{shown.attempt_number} to the trash",
        ),
    )
    # Under the buttons that lead to it: nothing above them moves when it comes or goes.
    reason_bar.reason_bar(desk, iid)


def _metadata(a: AttemptView) -> None:
    rows = [
        ("Source", a.source_label),
        ("Created", _local_time(a)),
        ("Cost", f"${a.cost_usd.normalize():f}" if a.cost_usd is not None else "—"),
        ("Provider / model", f"{a.provider or '—'} / {a.model or '—'}"),
        ("Size", f"{a.width}×{a.height}, {a.file_size / 1024:.0f} KB"),
    ]
    if a.prompt:
        rows.append(("Prompt", a.prompt))
    if a.reference_image_id:
        rows.append(("Reference used", f"image {a.reference_image_id}"))
    if a.original_filename:
        size = f" ({a.original_byte_size / 1024:.0f} KB)" if a.original_byte_size else ""
        rows.append(("File", a.original_filename + size))
    if a.extra.get("offline_preview"):
        rows.append(("Note", "Offline preview (no model was called)"))
    st.markdown(
        "\n".join(md("- **{label}:** ", label=label) + inert(value) for label, value in rows)
    )


def _history(desk: Desk, panel: AssetPanel) -> None:
    events = panel.history
    if not events:
        st.caption("No decisions yet.")
    current = panel.selected.id if panel.selected else None
    numbers = {a.id: a.attempt_number for a in panel.attempts}
    actor = current_identity()
    may = allowed(actor, "decide")
    for e in events:
        target = (e.after or {}).get("selected_attempt_id")
        # The time is in a code span, where escapes would show: it is formatted here, not data.
        line = f"`{e.created_at:%Y-%m-%d %H:%M}` " + md("**{kind}** by {a}", kind=e.kind, a=e.actor)
        if target in numbers:
            line += md(" → #{n}", n=numbers[target])
        if e.reason_code:
            line += md(" — why: {code}", code=e.reason_code)
        if e.reason:
            line += md(" — {reason}", reason=e.reason)
        text_col, button_col = st.columns([4, 1])
        text_col.markdown(line)
        if target is not None and target != current and target in numbers:
            button_col.button(
                "Revert",
                key=keys.revert_button(panel.instance_id, e.id),
                disabled=not may,
                help=not_allowed_help(may) or md("Select attempt #{n} again", n=numbers[target]),
                on_click=_act,
                args=(
                    panel.instance_id,
                    lambda v, e=e: history.revert_to(desk, e.id, actor=actor, expected_version=v),
                    None,
                    f"revert to attempt #{numbers[target]}",
                ),
            )
