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
from stage8.reviewers.roles import allowed
from stage8.ui import state as keys
from stage8.ui.auth import current_identity
from stage8.ui.messages import not_allowed_help
from stage8.ui.session import ensure_worker
from stage8.ui.text import inert, md


def bulk_actions(desk: Desk, board: SceneBoard) -> None:
    """The bulk box of one scene; all its state is keyed by the scene (`keys.bulk`)."""
    sid = board.scene_id
    with st.container(border=True, key=keys.BULK_BOX):
        st.markdown("**Bulk actions**")
        names = {p.asset_name: p.instance_id for p in board.panels}
        unchanged = [p.asset_name for p in board.panels if not p.changed]
        left, right = st.columns([3, 2], vertical_alignment="bottom")  # label whole at 800 px
        assets_key = _restore(keys.bulk(keys.BULK_ASSETS, sid), allowed=set(names))
        chosen = left.multiselect(
            "Assets",
            list(names),
            key=assets_key,
            placeholder="Tick assets",
            on_change=_keep,
            args=(assets_key,),
        )
        unchanged_key = _restore(keys.bulk(keys.BULK_UNCHANGED, sid))
        if right.checkbox(
            "All unchanged assets",
            key=unchanged_key,
            help=", ".join(inert(n) for n in unchanged) or "none",
            on_change=_keep,
            args=(unchanged_key,),
        ):
            chosen = sorted(set(chosen) | set(unchanged), key=list(names).index)
        ids = [names[n] for n in chosen]
        g, a = st.columns(2)
        _bulk_generate(desk, g, ids, chosen, board)
        _bulk_as_is(desk, a, ids, chosen, sid)
        report = st.session_state.get(keys.bulk(keys.BULK_REPORT, sid))
        if report:
            st.dataframe(report, hide_index=True, width="stretch")
        if st.session_state.get(keys.bulk(keys.BULK_JOBS, sid)):
            _bulk_progress(desk, sid)


def _restore(key: str, allowed: set[str] | None = None) -> str:
    """Give a scene's widget back the value it had when the reviewer left the scene."""
    state = st.session_state
    if key not in state and keys.kept(key) in state:
        value = state[keys.kept(key)]
        if allowed is not None:  # an asset may have left the scene meanwhile
            value = [v for v in value if v in allowed]
        state[key] = value
    return key


def _keep(key: str) -> None:
    st.session_state[keys.kept(key)] = st.session_state[key]


def _bulk_generate(desk: Desk, col, ids: list[int], names: list[str], board: SceneBoard) -> None:
    as_is = {p.instance_id for p in board.panels if p.use_master_as_is}
    runnable = [i for i in ids if i not in as_is]
    try:
        cost = estimate_cost(desk, len(runnable))
    except Stage8Error as exc:
        col.error(inert(exc))
        return
    sid = board.scene_id
    confirm_key = keys.bulk(keys.BULK_CONFIRM_IDS, sid)
    ask_key = keys.bulk(keys.BULK_GENERATE_ASK, sid)
    may = allowed(current_identity(), "generate")
    col.button(
        f"Generate for {len(ids)} assets",
        key=ask_key,
        disabled=not ids or not may,
        help=not_allowed_help(may),
    )
    if st.session_state.get(ask_key):
        st.session_state[confirm_key] = ids
    pending = st.session_state.get(confirm_key)
    if pending and pending == ids:
        skipped = len(ids) - len(runnable)
        note = f" ({skipped} use master as-is and are skipped)" if skipped else ""
        col.warning(
            f"Estimated total ${cost.normalize():f} for {len(runnable)} "
            f"generation(s){note}. Confirm?"
        )

        def confirm() -> None:
            results = queue_bulk(desk, pending, actor=current_identity())
            by_id = {v: k for k, v in zip(names, ids, strict=True)}
            st.session_state[keys.bulk(keys.BULK_REPORT, sid)] = [
                {
                    "asset": by_id.get(r.instance_id, r.instance_id),
                    "result": r.outcome,
                    "detail": r.reason or f"{len(r.job_ids)} job(s) queued",
                }
                for r in results
            ]
            st.session_state[keys.bulk(keys.BULK_JOBS, sid)] = [
                j for r in results for j in r.job_ids
            ]
            st.session_state.pop(confirm_key, None)
            ensure_worker()

        col.button(
            "Confirm generation",
            key=keys.bulk(keys.BULK_GENERATE_CONFIRM, sid),
            type="primary",
            disabled=not may,
            on_click=_safe,
            args=(confirm, sid),
        )


def _bulk_as_is(desk: Desk, col, ids: list[int], names: list[str], sid: int) -> None:
    def run() -> None:
        # Each asset is decided against the version its panel shows; one changed by someone
        # else since is skipped and reported, never overwritten.
        shown = {i: st.session_state.get(keys.panel_data(i)) for i in ids}
        versions = {i: p.version for i, p in shown.items() if p is not None}
        results = use_master_bulk(desk, ids, actor=current_identity(), versions=versions)
        labels = {"applied": "applied", "already": "already as-is", "skipped": "skipped"}
        st.session_state[keys.bulk(keys.BULK_REPORT, sid)] = [
            {
                "asset": n,
                "result": "skipped: changed by someone else"
                if r.stale
                else labels.get(r.outcome, r.outcome),
                "detail": r.message,
            }
            for n, r in zip(names, results, strict=True)
        ]
        for i in ids:
            st.session_state[keys.panel_dirty(i)] = True

    col.button(
        f"Use master as-is for {len(ids)} assets",
        key=keys.bulk(keys.BULK_AS_IS, sid),
        disabled=not ids or not allowed(current_identity(), "use_master_as_is"),
        help=not_allowed_help(allowed(current_identity(), "use_master_as_is")),
        on_click=_safe,
        args=(run, sid),
    )


def _safe(fn, sid: int) -> None:
    try:
        fn()
    except Stage8Error as exc:
        st.session_state[keys.bulk(keys.BULK_REPORT, sid)] = [
            {"asset": "—", "result": "error", "detail": str(exc)}
        ]


@st.fragment(run_every=2)
def _bulk_progress(desk: Desk, sid: int) -> None:
    job_ids = st.session_state.get(keys.bulk(keys.BULK_JOBS, sid)) or []
    views = job_status(desk, job_ids)
    done = sum(v.final for v in views)
    failed = [v for v in views if v.status == "failed"]
    st.progress(done / max(1, len(views)), text=f"Generation: {done} / {len(views)} done")
    for v in failed:
        st.error(md("Job {id} failed: {error}", id=v.id, error=v.last_error))
    if done == len(views):
        st.session_state[keys.bulk(keys.BULK_JOBS, sid)] = []
        st.rerun()
