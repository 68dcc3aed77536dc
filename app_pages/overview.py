"""Overview: every project and its scenes in order, with review progress and cost."""

import streamlit as st

from stage8.reads.board import project_overview
from stage8.reads.queue import attention_by_scene
from stage8.ui import state as keys
from stage8.ui.messages import NO_PROJECT
from stage8.ui.queue_widgets import QUEUE_PAGE
from stage8.ui.session import get_desk
from stage8.ui.text import inert, md

st.title("Stage 8 Review Desk")
desk = get_desk()
projects = project_overview(desk)
attention = attention_by_scene(desk)
if not projects:
    st.warning(NO_PROJECT)
for project in projects:
    st.header(inert(project.name) + (" · demo" if project.is_demo else ""))
    if not project.scenes:
        st.caption("No scenes yet.")
    needing = sum(attention.get(scene.scene_id, 0) for scene in project.scenes)
    st.page_link(
        QUEUE_PAGE,
        label=f"Review queue: {needing} need attention" if needing else "Nothing needs attention",
        icon=":material/checklist:",
        query_params={"project": project.name} if len(projects) > 1 else None,
    )
    for scene in project.scenes:
        with st.container(border=True, key=keys.scene_card(project.project_id, scene.scene_number)):
            left, mid, right = st.columns([3, 4, 2])
            params = {"scene": str(scene.scene_number)}
            if len(projects) > 1:
                params["project"] = project.name
            left.page_link(
                "app_pages/scene.py",
                label=md("Scene {n}: {title}", n=scene.scene_number, title=scene.title),
                icon=":material/movie:",
                query_params=params,
            )
            mid.caption(", ".join(inert(name) for name in scene.assets) or "no assets")
            right.markdown(
                md(
                    "**{decided}** decided · **{undecided}** undecided  \n"
                    "{attempts} attempts · \\${cost}  \n"
                    "needs attention: **{needs}**",
                    decided=scene.decided,
                    undecided=scene.undecided,
                    attempts=scene.attempts,
                    cost=f"{scene.total_cost.normalize():f}",
                    needs=attention.get(scene.scene_id, 0),
                )
            )
