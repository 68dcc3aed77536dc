"""Storage: the cleanup plan (a dry run), totals per scene, and a confirmed apply that runs in
the background with progress; and a project's duplicate attempts, what they cost and take."""

import streamlit as st

from stage8.cleanup.apply import apply_cleanup
from stage8.errors import Stage8Error
from stage8.reviewers.roles import allowed
from stage8.ui import cleanup_widgets as w
from stage8.ui import duplicate_widgets
from stage8.ui import state as keys
from stage8.ui.auth import current_identity
from stage8.ui.session import get_desk, show_error

desk = get_desk()
st.title("Storage")
cleanup_tab, duplicates_tab = st.tabs(["Cleanup", "Duplicates"])
with duplicates_tab:  # drawn first: the cleanup tab below stops the script when it is done
    duplicate_widgets.duplicates_section(desk)
with cleanup_tab:
    s = desk.settings
    limit = s.unselected_max_age_days
    age = f"unselected attempts older than {limit} days go too" if limit else "no age limit"
    st.caption(
        f"Each asset keeps at most {s.attempt_cap} live attempts ({age}); trashed attempts are "
        f"purged after {s.trash_retention_days} days. Selected and pinned attempts, master images "
        "and images other scenes use as their reference are never touched."
    )
    if st.button("Refresh plan", icon=":material/refresh:", key=keys.CLEANUP_REFRESH):
        st.session_state.pop(keys.CLEANUP_PLAN, None)
    w.run_status()
    try:
        plan = w.make_plan(desk)
    except Stage8Error as exc:
        show_error(exc)
        st.stop()
    w.plan_metrics(plan)
    if plan.empty:
        st.success("Nothing to clean up.", icon=":material/check_circle:")
        st.stop()
    w.scene_totals(plan)
    w.plan_details(plan)

    def _apply() -> None:
        run = w.start_run(lambda report: apply_cleanup(desk, plan, actor=actor, progress=report))
        st.session_state[keys.CLEANUP_RUN] = run.id
        st.session_state[keys.CLEANUP_CONFIRM] = ""

    actor = current_identity()
    w.apply_controls(plan, _apply, allowed=allowed(actor, "cleanup_apply"))
