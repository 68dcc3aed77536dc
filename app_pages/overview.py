"""Overview: every project and its scenes in order, with review progress and cost."""

import streamlit as st

from stage8.reads.board import project_overview
from stage8.ui.session import get_desk

st.title("Stage 8 Review Desk")
projects = project_overview(get_desk())
if not projects:
    st.warning("There is no project yet. Run `python -m stage8 demo` to create the demo project.")
for project in projects:
    st.header(project.name + (" · demo" if project.is_demo else ""))
    if not project.scenes:
        st.caption("No scenes yet.")
    for scene in project.scenes:
        with st.container(border=True, key=f"scene_card_{project.project_id}_{scene.scene_number}"):
            left, mid, right = st.columns([3, 4, 2])
            params = {"scene": str(scene.scene_number)}
            if len(projects) > 1:
                params["project"] = project.name
            left.page_link(
                "app_pages/scene.py",
                label=f"Scene {scene.scene_number}: {scene.title}",
                icon=":material/movie:",
                query_params=params,
            )
            mid.caption(", ".join(scene.assets) or "no assets")
            right.markdown(
                f"**{scene.decided}** decided · **{scene.undecided}** undecided  \n"
                f"{scene.attempts} attempts · ${scene.total_cost.normalize():f}"
            )
