"""Widgets of the Storage and Trash pages: the cleanup plan, its confirmed background apply with
progress, and the trash list with Restore and Purge now.

A cleanup runs in a thread registered here under a run id; the browser session keeps only the
id. The run belongs to the server process, not to a script run, so another click (which stops
and restarts the script) cannot cancel it, and the progress fragment finds it again by id.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import streamlit as st

from stage8.cleanup.apply import plan_cleanup
from stage8.cleanup.plan import CleanupPlan, CleanupProgress, CleanupResult
from stage8.cleanup.trash import TrashedAttempt
from stage8.db.column_types import utcnow
from stage8.decisions.views import SOURCE_LABELS
from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.ui import state as keys
from stage8.ui.media import show_image
from stage8.ui.messages import not_allowed_help
from stage8.ui.text import inert, md
from stage8.units import format_bytes, format_usd

log = logging.getLogger(__name__)

CONFIRM_WORD = "cleanup"
TRASH_PAGE = 60  # trash cards shown at first, and added by each "Show more"


@dataclass
class CleanupRun:
    """One apply running off the script thread; `progress` and `result` are set by it."""

    id: str
    started_at: datetime = field(default_factory=utcnow)
    progress: CleanupProgress | None = None
    result: CleanupResult | None = None
    error: str | None = None
    seen: bool = False  # whether a full page run has shown the finished result
    thread: threading.Thread | None = None

    @property
    def done(self) -> bool:
        return self.thread is not None and not self.thread.is_alive()

    def report(self, progress: CleanupProgress) -> None:
        self.progress = progress


_RUNS: dict[str, CleanupRun] = {}
_RUNS_LOCK = threading.Lock()


def start_run(apply: Callable[[Callable[[CleanupProgress], None]], CleanupResult]) -> CleanupRun:
    """Start `apply(progress)` in a daemon thread and register it; returns the run."""
    run = CleanupRun(uuid.uuid4().hex)

    def work() -> None:
        try:
            run.result = apply(run.report)
        except Exception as exc:  # the page shows it; the thread must not die silently
            log.exception("cleanup run %s failed", run.id)
            run.error = f"The cleanup stopped: {exc}. Nothing is lost; run it again."

    run.thread = threading.Thread(target=work, name=f"stage8-cleanup-{run.id[:8]}", daemon=True)
    with _RUNS_LOCK:
        _RUNS[run.id] = run
    run.thread.start()
    return run


def get_run(run_id: str | None) -> CleanupRun | None:
    with _RUNS_LOCK:
        return _RUNS.get(run_id) if run_id else None


def current_run() -> CleanupRun | None:
    """This browser session's latest cleanup run, if any."""
    return get_run(st.session_state.get(keys.CLEANUP_RUN))


def plan_metrics(plan: CleanupPlan) -> None:
    """The plan in four numbers: to trash, to purge, objects deleted, space freed."""
    cols = st.columns(4)
    cols[0].metric(
        "To the trash", len(plan.to_trash), help=f"{format_usd(plan.cost_trashed)} of generation"
    )
    cols[1].metric(
        "To purge", len(plan.to_purge), help=f"{format_usd(plan.cost_purged)} of generation"
    )
    cols[2].metric(
        "Objects deleted",
        len(plan.objects),
        help=f"{len(plan.images)} images (with thumbnails) and {len(plan.orphans)} orphans",
    )
    cols[3].metric("Space freed", format_bytes(plan.bytes_freed), help=f"{plan.bytes_freed:,} B")
    # md(): two dollar amounts in one line would otherwise be read as maths ($…$).
    st.caption(
        md(
            "Generation cost of these attempts: {trashed} going to the trash, {purged} purged. "
            "Plan made {now:%Y-%m-%d %H:%M} UTC; ",
            trashed=format_usd(plan.cost_trashed),
            purged=format_usd(plan.cost_purged),
            now=plan.now,
        )
        + "apply re-checks every attempt, so a stale plan never does more than it says."
    )


def scene_totals(plan: CleanupPlan) -> None:
    """Totals per scene as a table."""
    rows = [
        {
            "Scene": f"{t.scene_number}{' (deleted)' if t.scene_deleted else ''}",
            "To the trash": t.to_trash,
            "To purge": t.to_purge,
            "Images deleted": t.images,
            "Space freed": format_bytes(t.bytes_freed),
            "Generation cost": format_usd(t.cost_usd),
        }
        for t in plan.per_scene()
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key=keys.CLEANUP_SCENE_TOTALS)


def plan_details(plan: CleanupPlan) -> None:
    """What exactly goes, one expander per part of the plan."""
    for title, items in (("Going to the trash", plan.to_trash), ("Purged", plan.to_purge)):
        if not items:
            continue
        with st.expander(f"{title}: {len(items)} attempts"):
            frame = pd.DataFrame(
                [
                    {
                        "Scene": p.scene_number,
                        "Asset": p.asset_name,
                        "Attempt": f"#{p.attempt_number}",
                        "Source": SOURCE_LABELS.get(p.source, p.source),
                        "Cost": "" if p.cost_usd is None else format_usd(p.cost_usd),
                        "Why": p.reason,
                    }
                    for p in items
                ]
            )
            st.dataframe(frame, hide_index=True)
    if plan.orphans:
        with st.expander(f"Orphaned objects: {len(plan.orphans)}"):
            st.dataframe(
                pd.DataFrame([{"Key": o.key, "Bytes": o.size} for o in plan.orphans]),
                hide_index=True,
            )


def apply_controls(
    plan: CleanupPlan, on_apply: Callable[[], None], *, allowed: bool = True
) -> None:
    """The typed confirmation and the Apply button (enabled once the word is typed; disabled
    for anyone but an admin when `allowed` is False)."""
    running = (run := current_run()) is not None and not run.done
    if not allowed:
        st.caption(not_allowed_help(False, admin_only=True))
    typed = st.text_input(
        f"Type **{CONFIRM_WORD}** to confirm",
        key=keys.CLEANUP_CONFIRM,
        disabled=running or plan.empty or not allowed,
        help="Typing the word makes sure the cleanup is meant; it cannot be undone once purged.",
    )
    ready = (typed or "").strip().lower() == CONFIRM_WORD
    st.button(
        "Apply cleanup",
        key=keys.CLEANUP_APPLY,
        type="primary",
        icon=":material/cleaning_services:",
        disabled=running or plan.empty or not ready or not allowed,
        help=not_allowed_help(allowed, admin_only=True),
        on_click=on_apply,
    )


def run_status() -> None:
    """Progress of this session's run, refreshed every second while it runs."""
    run = current_run()
    if run is None:
        return
    if run.done and not run.seen:
        run.seen = True
        st.session_state.pop(keys.CLEANUP_PLAN, None)  # the plan is spent: make a fresh one

    @st.fragment(run_every=None if run.done else 1)
    def panel() -> None:
        live = get_run(run.id)
        if live is None:
            return
        if not live.done:
            p = live.progress
            label = inert(p.message) if p else "Starting the cleanup…"
            st.progress(p.fraction if p else 0.0, text=label)
            return
        if not live.seen:
            st.rerun(scope="app")  # refresh the plan and stop polling
        if live.error:
            st.error(inert(live.error), icon=":material/error:")
        elif live.result is not None and live.result.complete:
            st.success(inert(live.result.message), icon=":material/check_circle:")
        elif live.result is not None:
            st.warning(inert(live.result.message), icon=":material/warning:")
            for error in live.result.errors:
                st.caption(inert(error))

    panel()


def _due(item: TrashedAttempt) -> str:
    if item.held_reason:
        return md("Kept in the trash: {why}.", why=item.held_reason)
    if item.purge_due <= utcnow():
        return "Purge due now (the next cleanup purges it)."
    return f"Purged after {item.purge_due:%Y-%m-%d %H:%M} UTC."


def trash_list(
    items: list[TrashedAttempt],
    *,
    on_restore: Callable[[int], None],
    on_purge: Callable[[int], None],
    may_restore: bool = True,
    may_purge: bool = True,
) -> None:
    """One card per trashed attempt: thumbnail, where it was, when it goes, and the actions.

    Purge now is enabled only after its confirmation checkbox is ticked; Restore needs
    `may_restore` (reviewers), Purge now `may_purge` (admins). The first
    `TRASH_PAGE` cards are shown; "Show more" adds as many again.
    """
    limit = st.session_state.get(keys.TRASH_SHOWN, TRASH_PAGE)
    for item in items[:limit]:
        with st.container(border=True, key=keys.trash_card(item.attempt_id)):
            thumb, info, actions = st.columns([1, 3, 2])
            with thumb:
                show_image(item.thumb_key, width=120)
            deleted = " (deleted)" if item.scene_deleted else ""
            cost = "" if item.cost_usd is None else f" · {format_usd(item.cost_usd)}"
            info.markdown(
                md(
                    "**Scene {n}{deleted} · {asset} #{number}**  \n{source} · {size}{cost}",
                    n=item.scene_number,
                    deleted=deleted,
                    asset=item.asset_name,
                    number=item.attempt_number,
                    source=SOURCE_LABELS.get(item.source, item.source),
                    size=format_bytes(item.image_bytes),
                    cost=cost,
                )
            )
            info.caption(
                md("Trashed {at:%Y-%m-%d %H:%M} UTC", at=item.trashed_at)
                + (md(": {why}", why=item.trashed_reason) if item.trashed_reason else "")
            )
            info.caption(_due(item))
            actions.button(
                "Restore",
                key=keys.restore_button(item.attempt_id),
                icon=":material/restore_from_trash:",
                disabled=not may_restore,
                help=not_allowed_help(may_restore),
                on_click=on_restore,
                args=(item.attempt_id,),
            )
            sure = actions.checkbox(
                "Yes, delete it for good",
                key=keys.purge_confirm(item.attempt_id),
                disabled=item.held_reason is not None or not may_purge,
                help=not_allowed_help(may_purge, admin_only=True),
            )
            actions.button(
                "Purge now",
                key=keys.purge_button(item.attempt_id),
                icon=":material/delete_forever:",
                disabled=not sure or item.held_reason is not None or not may_purge,
                on_click=on_purge,
                args=(item.attempt_id,),
            )
    if len(items) > limit:
        st.caption(f"Showing {limit} of {len(items)} trashed attempts.")
        st.button(
            f"Show {min(TRASH_PAGE, len(items) - limit)} more",
            key=keys.TRASH_MORE,
            icon=":material/expand_more:",
            on_click=_show_more,
            args=(limit,),
        )


def _show_more(shown: int) -> None:
    st.session_state[keys.TRASH_SHOWN] = shown + TRASH_PAGE


def flash(kind: str, message: str) -> None:
    st.session_state[keys.TRASH_FLASH] = (kind, message)


def show_flash() -> None:
    shown = st.session_state.pop(keys.TRASH_FLASH, None)
    if shown:
        (st.error if shown[0] == "error" else st.success)(inert(shown[1]))


def guarded(action: Callable[[], str]) -> None:
    """Run a trash action from a button callback and keep its message for the page to show."""
    try:
        flash("success", action())
    except Stage8Error as exc:
        flash("error", str(exc))


def make_plan(desk: Desk) -> CleanupPlan:
    """This session's plan, made once and kept until refreshed or spent by an apply."""
    plan = st.session_state.get(keys.CLEANUP_PLAN)
    if plan is None:
        plan = plan_cleanup(desk)
        st.session_state[keys.CLEANUP_PLAN] = plan
    return plan
