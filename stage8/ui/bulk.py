"""Bulk actions of the scene page: generate for several assets (with the estimated cost first)
and use master as-is for several assets, each reporting per asset."""

from __future__ import annotations

import streamlit as st

from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.reads.board import SceneBoard
from stage8.ui.session import current_actor, ensure_worker


def bulk_actions(desk: Desk, board: SceneBoard) -> None:
    with st.container(border=True, key="bulk_box"):
        st.markdown("**Bulk actions**")
        names = {p.asset_name: p.instance_id for p in board.panels}
        unchanged = [p.asset_name for p in board.panels if not p.changed]
        left, right = st.columns([3, 1], vertical_alignment="bottom")
        chosen = left.multiselect(
            "Assets", list(names), key="bulk_assets", placeholder="Tick assets"
        )
        if right.checkbox(
            "All unchanged assets", key="bulk_unchanged", help=", ".join(unchanged) or "none"
        ):
            chosen = sorted(set(chosen) | set(unchanged), key=list(names).index)
        ids = [names[n] for n in chosen]
        g, a = st.columns(2)
        _bulk_generate(desk, g, ids, chosen, board)
        _bulk_as_is(desk, a, ids, chosen)
        report = st.session_state.get("bulk_report")
        if report:
            st.dataframe(report, hide_index=True, width="stretch")
        if st.session_state.get("bulk_jobs"):
            _bulk_progress(desk)


def _bulk_generate(desk: Desk, col, ids: list[int], names: list[str], board: SceneBoard) -> None:
    from stage8.generation.run import estimate_cost, queue_bulk

    as_is = {p.instance_id for p in board.panels if p.use_master_as_is}
    runnable = [i for i in ids if i not in as_is]
    try:
        cost = estimate_cost(desk, len(runnable))
    except Stage8Error as exc:
        col.error(str(exc))
        return
    col.button(f"Generate for {len(ids)} assets", key="bulk_generate_ask", disabled=not ids)
    if st.session_state.get("bulk_generate_ask"):
        st.session_state["bulk_confirm_ids"] = ids
    pending = st.session_state.get("bulk_confirm_ids")
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
            st.session_state["bulk_report"] = [
                {
                    "asset": by_id.get(r.instance_id, r.instance_id),
                    "result": r.outcome,
                    "detail": r.reason or f"{len(r.job_ids)} job(s) queued",
                }
                for r in results
            ]
            st.session_state["bulk_jobs"] = [j for r in results for j in r.job_ids]
            st.session_state.pop("bulk_confirm_ids", None)
            ensure_worker()

        col.button(
            "Confirm generation",
            key="bulk_generate_confirm",
            type="primary",
            on_click=_safe,
            args=(confirm,),
        )


def _bulk_as_is(desk: Desk, col, ids: list[int], names: list[str]) -> None:
    from stage8.decisions.use_master import use_master_bulk

    def run() -> None:
        results = use_master_bulk(desk, ids, actor=current_actor())
        labels = {"applied": "applied", "already": "already as-is", "skipped": "skipped"}
        st.session_state["bulk_report"] = [
            {"asset": n, "result": labels.get(r.outcome, r.outcome), "detail": r.message}
            for n, r in zip(names, results, strict=True)
        ]
        for i in ids:
            st.session_state[f"panel_{i}__dirty"] = True

    col.button(
        f"Use master as-is for {len(ids)} assets",
        key="bulk_as_is",
        disabled=not ids,
        on_click=_safe,
        args=(run,),
    )


def _safe(fn) -> None:
    try:
        fn()
    except Stage8Error as exc:
        st.session_state["bulk_report"] = [{"asset": "—", "result": "error", "detail": str(exc)}]


@st.fragment(run_every=2)
def _bulk_progress(desk: Desk) -> None:
    from stage8.generation.jobs import job_status

    job_ids = st.session_state.get("bulk_jobs") or []
    views = job_status(desk, job_ids)
    done = sum(v.final for v in views)
    failed = [v for v in views if v.status == "failed"]
    st.progress(done / max(1, len(views)), text=f"Generation: {done} / {len(views)} done")
    for v in failed:
        st.error(f"Job {v.id} failed: {v.last_error}")
    if done == len(views):
        st.session_state["bulk_jobs"] = []
        st.rerun()
