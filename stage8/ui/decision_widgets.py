"""Per-asset decision widgets beside the attempts: reference carousel, as-is, generate."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions.reference_choice import use_reference
from stage8.decisions.use_master import set_use_master_as_is
from stage8.desk import Desk
from stage8.generation.run import queue_generation
from stage8.reads.board import AssetPanel, pending_jobs
from stage8.reviewers.roles import Identity, allowed
from stage8.ui import state as keys
from stage8.ui.carousel import CarouselItem, carousel
from stage8.ui.messages import not_allowed_help
from stage8.ui.session import ensure_worker
from stage8.ui.text import md

Act = Callable[..., None]


def reference_carousel(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    """The chain (Master, Scene 1, …), the effective mark, stale warning, Use this reference."""
    ref = panel.reference
    iid = panel.instance_id
    st.markdown("**Master reference**")
    if ref is None or not ref.chain:
        st.caption(
            "No reference image: the asset has no master image and no earlier scene "
            "has selected one."
        )
        return
    items = [
        CarouselItem(
            ident=i,
            image_key=e.storage_key,
            thumb_key=e.thumb_key,
            title=e.label,
            badges=tuple(
                b
                for b, on in (
                    ("Effective", i == ref.effective_index),
                    ("Default", i == ref.default_index),
                )
                if on
            ),
        )
        for i, e in enumerate(ref.chain)
    ]
    start = ref.effective_index if ref.effective_index is not None else len(items) - 1
    i = carousel(keys.reference_carousel(iid), items, start=start, image_width=260, strip=False)
    entry = ref.chain[i]
    if ref.is_default:
        st.caption(md("Following the default: {label}.", label=ref.chain[ref.default_index].label))
    else:
        chosen = "Master" if ref.chosen_scene_id is None else f"Scene {ref.chosen_scene_number}"
        st.caption(md("Chosen by a reviewer: {chosen}.", chosen=chosen))
    if ref.stale:
        st.warning(md("The chosen reference is out of date: {why}.", why=ref.stale_reason))
        st.button(
            "Back to the default",
            key=keys.reference_default_button(iid),
            disabled=not allowed(actor, "reference"),
            help=not_allowed_help(allowed(actor, "reference")),
            on_click=act,
            args=(iid, lambda: use_reference(desk, iid, "default", actor=actor)),
        )
    choice = "master" if entry.source == "master" else entry.scene_number
    st.button(
        "Use this reference",
        key=keys.use_reference_button(iid),
        disabled=(i == ref.effective_index and not ref.stale) or not allowed(actor, "reference"),
        help=not_allowed_help(allowed(actor, "reference")),
        on_click=act,
        args=(iid, lambda: use_reference(desk, iid, choice, actor=actor)),
    )


def as_is_checkbox(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    iid = panel.instance_id
    key = keys.as_is_checkbox(iid)
    st.session_state[key] = panel.use_master_as_is

    def toggle() -> None:
        on = bool(st.session_state[key])
        act(iid, lambda: set_use_master_as_is(desk, iid, on, actor=actor))

    st.checkbox(
        "Use master as-is",
        key=key,
        on_change=toggle,
        disabled=not allowed(actor, "use_master_as_is"),
        help=not_allowed_help(allowed(actor, "use_master_as_is"))
        or "Use the effective reference image directly and skip generation.",
    )


def generate_button(desk: Desk, panel: AssetPanel, actor: Identity, act: Act) -> None:
    iid = panel.instance_id
    st.button(
        "Generate",
        key=keys.generate_button(iid),
        disabled=panel.use_master_as_is or not allowed(actor, "generate"),
        help=not_allowed_help(allowed(actor, "generate"))
        or ("Untick 'Use master as-is' to generate." if panel.use_master_as_is else None),
        on_click=act,
        args=(iid, lambda: _queued(queue_generation(desk, iid, actor=actor))),
    )
    if panel.use_master_as_is:
        st.caption("Generation is off while this asset uses its reference as-is.")
    if panel.failed_job_error and not panel.pending_jobs:
        st.warning(
            md("The last generation failed: {error}. ", error=panel.failed_job_error)
            + "Nothing was changed; fix the cause and press Generate again."
        )
    if panel.pending_jobs:
        _progress(desk, iid)


class _Queued:
    def __init__(self, job_ids: list[int]) -> None:
        self.message = f"Generation queued ({len(job_ids)} job). It appears here when done."


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
