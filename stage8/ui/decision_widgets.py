"""Per-asset decision widgets beside the attempts: reference carousel, as-is, generate."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions.reference_choice import follow_default, follows_default, use_reference
from stage8.decisions.references import ReferenceState
from stage8.decisions.use_master import set_use_master_as_is
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.generation.run import MAX_COUNT, MAX_PROMPT_CHARS, default_prompt, queue_generation
from stage8.reads.board import AssetPanel, pending_jobs
from stage8.reviewers.roles import Identity, allowed
from stage8.ui import state as keys
from stage8.ui.carousel import CarouselItem, badge, carousel
from stage8.ui.media import show_image
from stage8.ui.messages import not_allowed_help
from stage8.ui.session import ensure_worker
from stage8.ui.text import md
from stage8.units import format_usd

Act = Callable[..., None]


def reference_carousel(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    """The chain (Master, Scene 1, …) marked Default / Chosen / In use, the image a stale choice
    still uses, "Follow the default" whenever it is not followed, and "Use this reference"."""
    ref = panel.reference
    iid = panel.instance_id
    st.markdown("**Master reference**")
    if ref is None or not ref.chain:
        st.caption(
            "No reference image: the asset has no master image and no earlier scene "
            "has selected one."
        )
        return
    following = follows_default(ref, panel.use_master_as_is)
    marks = [_marks(ref, i, following) for i in range(len(ref.chain))]
    with st.container(key=keys.reference_chain_box(iid)):
        st.markdown(
            " · ".join(
                " ".join([md("{label}", label=e.label), *(badge(m) for m in ms)])
                for e, ms in zip(ref.chain, marks, strict=True)
            )
        )
    if ref.stale:
        _in_use(ref, iid)
    items = [
        CarouselItem(
            ident=i, image_key=e.storage_key, thumb_key=e.thumb_key, title=e.label, badges=marks[i]
        )
        for i, e in enumerate(ref.chain)
    ]
    if ref.effective_index is not None:
        start = ref.effective_index
    else:
        start = ref.default_index if ref.default_index is not None else len(items) - 1
    i = carousel(keys.reference_carousel(iid), items, start=start, image_width=260, strip=False)
    entry = ref.chain[i]
    if following:
        fixed = "" if ref.is_default else " (kept fixed while “use master as-is” is on)"
        label = ref.chain[ref.default_index].label
        st.caption(md("Following the default: {label}", label=label) + fixed + ".")
    else:
        st.caption(md("Chosen by a reviewer: {chosen}.", chosen=_chosen_label(ref)))
    row = st.container(horizontal=True)
    choice = "master" if entry.source == "master" else entry.scene_number
    row.button(
        "Use this reference",
        key=keys.use_reference_button(iid),
        disabled=(i == ref.effective_index and not ref.stale)
        or (following and i == ref.default_index)
        or not allowed(actor, "reference"),
        help=not_allowed_help(allowed(actor, "reference")),
        on_click=act,
        args=(
            iid,
            lambda v: use_reference(desk, iid, choice, actor=actor, expected_version=v),
            None,
            f"choice of reference {entry.label}",
        ),
    )
    if not following:
        row.button(
            "Follow the default",
            key=keys.reference_default_button(iid),
            disabled=not allowed(actor, "reference"),
            help=not_allowed_help(allowed(actor, "reference"))
            or md(
                "Drop the choice and use {label}, the default, from now on.",
                label=ref.chain[ref.default_index].label,
            ),
            on_click=act,
            args=(
                iid,
                lambda v: follow_default(desk, iid, actor=actor, expected_version=v),
                None,
                "return to the default reference",
            ),
        )


def _marks(ref: ReferenceState, index: int, following: bool) -> tuple[str, ...]:
    """The chain entry's marks: Default (the last entry), Chosen (a reviewer's choice that is
    still current), In use (what generation and as-is use)."""
    return tuple(
        name
        for name, on in (
            ("Default", index == ref.default_index),
            ("Chosen", not following and index == ref.chosen_index),
            ("In use", index == ref.effective_index),
        )
        if on
    )


def _chosen_label(ref: ReferenceState) -> str:
    if ref.chosen_index is not None:
        return ref.chain[ref.chosen_index].label
    return "Master" if ref.chosen_scene_id is None else f"Scene {ref.chosen_scene_number}"


def _in_use(ref: ReferenceState, iid: int) -> None:
    """A stale choice is still what generation uses: say why it is out of date and show it."""
    st.warning(md("The chosen reference is out of date: {why}.", why=ref.stale_reason))
    with st.container(key=keys.reference_in_use_box(iid), horizontal=True):
        show_image(ref.effective_thumb_key or ref.effective_key, width=96)
        st.caption(
            md(
                "In use until you choose again: the image chosen from {chosen} "
                "(not in the chain any more). “Follow the default” switches to {default}.",
                chosen=_chosen_label(ref),
                default=ref.chain[ref.default_index].label,
            )
        )


def as_is_checkbox(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    iid = panel.instance_id
    key = keys.as_is_checkbox(iid)
    st.session_state[key] = panel.use_master_as_is

    def toggle() -> None:
        on = bool(st.session_state[key])
        act(
            iid,
            lambda v: set_use_master_as_is(desk, iid, on, actor=actor, expected_version=v),
            None,
            "use of the master as-is" if on else "turning off use master as-is",
        )

    st.checkbox(
        "Use master as-is",
        key=key,
        on_change=toggle,
        disabled=not allowed(actor, "use_master_as_is"),
        help=not_allowed_help(allowed(actor, "use_master_as_is"))
        or "Use the effective reference image directly and skip generation.",
    )


def generate_button(
    desk: Desk, panel: AssetPanel, actor: Identity, act: Act, *, status: bool = True
) -> None:
    """One click: queue one image with the default prompt (the contact sheet's row uses it).

    `status`: also show `generation_status` below it (off where the caller places it)."""
    iid = panel.instance_id
    st.button(
        "Generate",
        key=keys.generate_button(iid),
        disabled=panel.use_master_as_is or not allowed(actor, "generate"),
        help=not_allowed_help(allowed(actor, "generate"))
        or ("Untick 'Use master as-is' to generate." if panel.use_master_as_is else None),
        on_click=act,
        # Queueing is not a decision (the finished job is, and it bumps the version itself).
        args=(iid, lambda _version: _queued(queue_generation(desk, iid, actor=actor))),
    )
    if status:
        generation_status(desk, panel)


def generate_form(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    """ "Generate…": an editable prompt (prefilled with the one the desk would send) and a count
    of 1–8, with the estimated cost shown before anything is queued."""
    iid = panel.instance_id
    prompt_key, count_key = keys.generate_prompt(iid), keys.generate_count(iid)
    has_reference = panel.reference is not None and panel.reference.effective_image_id is not None
    suggested = default_prompt(panel.asset_type, panel.asset_name, panel.description, has_reference)
    # Never disabled: a disabled popover unmounts its widgets in the browser, which then
    # forget the prompt being edited; while as-is is on, only the Queue button is disabled.
    with st.popover(
        "Generate…", key=keys.generate_popover(iid), help="Choose the prompt and how many images."
    ):
        st.text_area(
            "Prompt", value=suggested, key=prompt_key, height=120, max_chars=MAX_PROMPT_CHARS
        )
        limit = min(MAX_COUNT, desk.settings.attempt_cap)
        count = st.number_input("Images", min_value=1, max_value=limit, step=1, key=count_key)
        try:
            each = desk.provider.estimate_cost()
        except Stage8Error as exc:
            st.warning(md("Generation cannot run: {why}", why=str(exc)))
            return
        total = each * int(count)
        st.caption(
            f"Estimated cost: {int(count)} × {format_usd(each)} = **{format_usd(total)}**"
            + (" (offline preview, no model is called)" if each == 0 else "")
        )
        st.button(
            f"Queue {int(count)} image{'s' if int(count) != 1 else ''}",
            key=keys.generate_submit(iid),
            type="primary",
            disabled=panel.use_master_as_is or not allowed(actor, "generate"),
            help=not_allowed_help(allowed(actor, "generate"))
            or ("Untick 'Use master as-is' to generate." if panel.use_master_as_is else None),
            on_click=act,
            args=(
                iid,
                # Read at click time: an edit and the click arrive in the same rerun. Queueing
                # is not a decision (the finished job is, and bumps the version itself).
                lambda _version: _queued(
                    queue_generation(
                        desk,
                        iid,
                        actor=actor,
                        prompt=str(st.session_state.get(prompt_key) or ""),
                        count=int(st.session_state.get(count_key) or 1),
                    )
                ),
            ),
        )


def generation_status(desk: Desk, panel: AssetPanel) -> None:
    """What became of generation here: off while as-is, the last failure, jobs in progress."""
    if panel.use_master_as_is:
        st.caption("Generation is off while this asset uses its reference as-is.")
    if panel.failed_job_error and not panel.pending_jobs:
        st.warning(
            md("The last generation failed: {error}. ", error=panel.failed_job_error)
            + "Nothing was changed; fix the cause and press Generate again."
        )
    if panel.pending_jobs:
        _progress(desk, panel.instance_id)


class _Queued:
    def __init__(self, job_ids: list[int]) -> None:
        n = len(job_ids)
        self.message = (
            f"Generation queued ({n} job{'s' if n != 1 else ''}). It appears here when done."
        )


def _queued(job_ids: list[int]) -> _Queued:
    ensure_worker()
    return _Queued(job_ids)


@st.fragment(run_every=2)
def _progress(desk: Desk, instance_id: int) -> None:
    pending = pending_jobs(desk, instance_id)
    if pending:
        st.info(f"Generating… {pending} job(s) in progress.", icon=":material/hourglass_top:")
        return
    st.session_state[keys.panel_dirty(instance_id)] = True
    st.rerun()
