"""Bulk actions of the scene page: generate for several assets (with the estimated cost first)
and use master as-is for several assets, each reporting per asset."""

from __future__ import annotations

import streamlit as st

from stage8.decisions.use_master import use_master_bulk
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.generation.jobs import job_status
from stage8.generation.run import estimate_cost, queue_bulk
from stage8.reads.board import SceneBoard
from stage8.ui import state as keys
from stage8.ui.session import current_actor, ensure_worker
from stage8.ui.text import inert, md


def bulk_actions(desk: Desk, board: SceneBoard) -> None:
    with st.container(border=True, key=keys.BULK_BOX):
        st.markdown("**Bulk actions**")
        names = {p.asset_name: p.instance_id for p in board.panels}
        unchanged = [p.asset_name for p in board.panels if not p.changed]
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.multiselect(
            "Assets", list(names), key=keys.BULK_ASSETS, placeholder="Tick assets"
        )
        if right.checkbox(
            "All unchanged assets",
            key=keys.BULK_UNCHANGED,
            help=", ".join(inert(n) for n in unchanged) or "none",
        ):
            chosen = sorted(set(chosen) | set(unchanged), key=list(names).index)
        ids = [names[n] for n in chosen]
        g, a = st.columns(2)
        _bulk_generate(desk, g, ids, chosen, board)
        _bulk_as_is(desk, a, ids, chosen)
        report = st.session_state.get(keys.BULK_REPORT)
        if report:
            st.dataframe(report, hide_index=True, width="stretch")
        if st.session_state.get(keys.BULK_JOBS):
            _bulk_progress(desk)


def _bulk_generate(desk: Desk, col, ids: list[int], names: list[str], board: SceneBoard) -> None:
    as_is = {p.instance_id for p in board.panels if p.use_master_as_is}
    runnable = [i for i in ids if i not in as_is]
    try:
        cost = estimate_cost(desk, len(runnable))
    except Stage8Error as exc:
        col.error(inert(exc))
        return
    col.button(f"Generate for {len(ids)} assets", key=keys.BULK_GENERATE_ASK, disabled=not ids)
    if st.session_state.get(keys.BULK_GENERATE_ASK):
        st.session_state[keys.BULK_CONFIRM_IDS] = ids
    pending = st.session_state.get(keys.BULK_CONFIRM_IDS)
    if pending and pending == ids:
        skipped = len(ids) - len(runnable)
        note = f" ({skipped} use master as-is and are skipped)" if skipped else ""
        col.warning(
            f"Estimated total ${cost.normalize():f} for {len(runnable)} "
            f"generation(s){note}. Confirm?"
        )

        def confirm() -> None:
            results = queue_bulk(desk, pending, actor=current_actor())
            by_id = {v: k for k, v in zip(names, ids, strict=True)}
            st.session_state[keys.BULK_REPORT] = [
                {
                    "asset": by_id.get(r.instance_id, r.instance_id),
                    "result": r.outcome,
                    "detail": r.reason or f"{len(r.job_ids)} job(s) queued",
                }
                for r in results
            ]
            st.session_state[keys.BULK_JOBS] = [j for r in results for j in r.job_ids]
            st.session_state.pop(keys.BULK_CONFIRM_IDS, None)
            ensure_worker()

        col.button(
            "Confirm generation",
            key=keys.BULK_GENERATE_CONFIRM,
            type="primary",
            on_click=_safe,
            args=(confirm,),
        )


def _bulk_as_is(desk: Desk, col, ids: list[int], names: list[str]) -> None:
    def run() -> None:
        results = use_master_bulk(desk, ids, actor=current_actor())
        labels = {"applied": "applied", "already": "already as-is", "skipped": "skipped"}
        st.session_state[keys.BULK_REPORT] = [
            {"asset": n, "result": labels.get(r.outcome, r.outcome), "detail": r.message}
            for n, r in zip(names, results, strict=True)
        ]
        for i in ids:
            st.session_state[keys.panel_dirty(i)] = True

    col.button(
        f"Use master as-is for {len(ids)} assets",
        key=keys.BULK_AS_IS,
        disabled=not ids,
        on_click=_safe,
        args=(run,),
    )


def _safe(fn) -> None:
    try:
        fn()
    except Stage8Error as exc:
        st.session_state[keys.BULK_REPORT] = [{"asset": "—", "result": "error", "detail": str(exc)}]


@st.fragment(run_every=2)
def _bulk_progress(desk: Desk) -> None:
    job_ids = st.session_state.get(keys.BULK_JOBS) or []
    views = job_status(desk, job_ids)
    done = sum(v.final for v in views)
    failed = [v for v in views if v.status == "failed"]
    st.progress(done / max(1, len(views)), text=f"Generation: {done} / {len(views)} done")
    for v in failed:
        st.error(md("Job {id} failed: {error}", id=v.id, error=v.last_error))
    if done == len(views):
        st.session_state[keys.BULK_JOBS] = []
        st.rerun()
