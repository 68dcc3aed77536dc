"""What a page says when it cannot show what was asked for, in page words: what to click, never
a command line. Services raise neutral `NotFound` errors; the page works out which case it is
from the projects that exist and offers a link for each way forward."""

from __future__ import annotations

import streamlit as st

from stage8.desk import Desk
from stage8.errors import NotFound, Stage8Error
from stage8.reads.export.stream import filter_choices
from stage8.ui.session import show_error
from stage8.ui.text import md

SCENE_PAGE = "app_pages/scene.py"
OVERVIEW_PAGE = "app_pages/overview.py"

NO_PROJECT = (
    "There is no project in this database yet. Projects are added by whoever runs the desk; "
    "once there is one, its scenes appear on the Overview page."
)


def back_to_overview() -> None:
    st.page_link(OVERVIEW_PAGE, label="Back to the overview", icon=":material/dashboard:")


def bad_scene_number(raw: str) -> None:
    """`?scene=` is not a whole number."""
    st.error(
        md("“scene={raw}” is not a scene number. ", raw=raw)
        + "Pick a scene on the Overview page, or open a link such as `?scene=1`."
    )
    back_to_overview()


def scene_unavailable(desk: Desk, number: int, project: str | None, exc: Stage8Error) -> None:
    """The scene page's answer when `scene_board` refused `?scene=<number>&project=<project>`.

    Several projects and no `project` in the link: one link per project to its scene
    `number`. An unknown project: the same links. A missing scene: the overview.
    """
    if not isinstance(exc, NotFound):
        show_error(exc)
        back_to_overview()
        return
    projects = filter_choices(desk).projects
    if not projects:
        st.info(NO_PROJECT)
    elif project is None and len(projects) > 1:
        st.warning(
            md("This desk has several projects. Choose the one whose scene {n} you mean:", n=number)
        )
        _project_links(projects, number)
    elif project is not None and project not in projects:
        st.error(md("There is no project named “{name}”. Choose a project:", name=project))
        _project_links(projects, number)
    else:
        name = project if project is not None else projects[0]
        st.error(
            md("{name} has no scene {n}: ", name=name, n=number)
            + "it may have been deleted or renumbered. Pick a scene on the Overview page."
        )
    back_to_overview()


def _project_links(projects: list[str], number: int) -> None:
    for name in projects:
        st.page_link(
            SCENE_PAGE,
            label=md("{name}: scene {n}", name=name, n=number),
            icon=":material/movie:",
            query_params={"scene": str(number), "project": name},
        )


# Roles (issue 14): the help text on controls a role may not use (the services refuse anyway).
VIEWER_CANNOT_DECIDE = "Viewers cannot decide; ask an admin for the reviewer role"
ADMINS_ONLY = "Only admins can do this; ask an admin of the desk for the admin role"


def not_allowed_help(allowed: bool, admin_only: bool = False) -> str | None:
    """The help text of a control the person may not use (None when they may)."""
    if allowed:
        return None
    return ADMINS_ONLY if admin_only else VIEWER_CANNOT_DECIDE
