"""Text from data and from the URL is sent to the browser inert on every page (AppTest), and
pages say what to click, never which command to run.

The browser test `tests/e2e/test_inert_text.py` checks the same pages as rendered by Chromium.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from stage8.decisions.attempts import list_attempts, trash_attempt
from stage8.demo.seed import DEMO_PROJECT
from stage8.ui import cleanup_widgets
from stage8.ui import state as keys
from tests.ui import hostile
from tests.ui.helpers import markdown_bodies, page_text, shown

COMMAND_LINE = ("python -m", "--project", "stage8 ")


@pytest.fixture
def world(ui_desk):
    return hostile.build_hostile_project(ui_desk)


def assert_inert(at: AppTest) -> str:
    """No hostile string reaches a Markdown body unescaped; returns the page's text as read."""
    assert not at.exception
    for body in markdown_bodies(at):
        for raw in (*hostile.ALL, hostile.LINK, hostile.IMAGE, hostile.HTML, "evil.example"):
            assert raw not in body, f"{raw!r} is live Markdown in {body!r}"
    text = page_text(at)
    for advice in COMMAND_LINE:
        assert advice not in text
    return text


def page(app, path: str) -> AppTest:
    at = app()
    at.switch_page(path)
    return at.run()


def test_overview_shows_hostile_names_literally(app, world):
    text = assert_inert(app().run())
    assert hostile.PROJECT in text
    assert f"Scene 1: {hostile.SCENE_TITLE}" in text
    assert hostile.CHARACTER in text and hostile.PROP in text


def test_scene_page_shows_hostile_data_literally(app, world):
    # The hero's full panel (every metadata field) and the prop's row on the contact sheet.
    at = app(scene=1, project=hostile.PROJECT, asset=hostile.CHARACTER).run()
    text = assert_inert(at)
    for literal in (
        hostile.SCENE_TITLE,
        hostile.CHARACTER,
        hostile.PROP,
        hostile.DESCRIPTION,
        hostile.PROMPT,
        hostile.REASON,
        hostile.ACTOR,
        hostile.JOB_ERROR,
    ):
        assert literal in text, literal
    at.button(key=keys.carousel_next(keys.attempts_carousel(world.hero))).click().run()
    assert hostile.FILENAME in assert_inert(at)  # the uploaded attempt's metadata
    # the bulk "All unchanged assets" tooltip names the unchanged asset
    bulk_box = next(c for c in at.checkbox if c.key.startswith(keys.BULK_UNCHANGED))  # per scene
    assert shown(bulk_box.help) == hostile.PROP


@pytest.mark.parametrize("reflected", [hostile.LINK, hostile.IMAGE, hostile.HTML])
def test_unknown_project_in_the_url_is_inert_and_offers_the_projects(app, world, reflected):
    at = app(scene=1, project=reflected).run()
    text = assert_inert(at)
    assert f"There is no project named “{reflected}”. Choose a project:" in text
    links = at.get("page_link")
    targets = [(shown(link.proto.label), link.proto.query_string) for link in links]
    assert [label for label, _ in targets][:2] == [
        f"{DEMO_PROJECT}: scene 1",
        f"{hostile.PROJECT}: scene 1",
    ]


def test_several_projects_and_no_project_in_the_link(app, world):
    at = app(scene=1).run()
    text = assert_inert(at)
    assert "This desk has several projects. Choose the one whose scene 1 you mean:" in text
    labels = [shown(link.proto.label) for link in at.main.get("page_link")]
    assert labels == [
        f"{DEMO_PROJECT}: scene 1",
        f"{hostile.PROJECT}: scene 1",
        "Back to the overview",
    ]


def test_missing_scene_says_to_pick_one_on_the_overview(app, world):
    at = app(scene=9, project=hostile.PROJECT).run()
    text = assert_inert(at)
    assert f"{hostile.PROJECT} has no scene 9" in text
    assert "Pick a scene on the Overview page" in text


def test_bad_scene_number_from_the_url_is_inert(app):
    at = app().run()
    at.switch_page("app_pages/scene.py")
    at.query_params["scene"] = hostile.LINK
    at.run()
    text = assert_inert(at)
    assert f"“scene={hostile.LINK}” is not a scene number" in text


def test_trash_page_shows_names_and_reasons_literally(app, world):
    text = assert_inert(page(app, "app_pages/trash.py"))
    assert f"Scene 1 · {hostile.CHARACTER} #3" in text
    assert hostile.REASON in text


def test_trash_page_shows_more_on_a_click(app, ui_desk, world, monkeypatch):
    monkeypatch.setattr(cleanup_widgets, "TRASH_PAGE", 1)
    uploaded = next(a for a in list_attempts(ui_desk, world.hero) if not a.selected)
    trash_attempt(ui_desk, uploaded.id, actor="apptest")
    at = page(app, "app_pages/trash.py")
    assert_inert(at)
    assert _restore_buttons(at) == 1
    assert "Showing 1 of 2 trashed attempts." in page_text(at)
    at.button(key=keys.TRASH_MORE).click().run()
    assert _restore_buttons(at) == 2
    assert not [b for b in at.button if b.key == keys.TRASH_MORE]


def _restore_buttons(at: AppTest) -> int:
    return sum(1 for b in at.button if b.key and b.key.startswith("restore_"))


@pytest.mark.parametrize(
    "path", ["app_pages/storage.py", "app_pages/export.py", "app_pages/analytics.py"]
)
def test_other_pages_with_hostile_data(app, world, path):
    at = page(app, path)
    assert_inert(at)
    if path.endswith("analytics.py"):
        at.selectbox(key=keys.ANALYTICS_PROJECT).set_value(hostile.PROJECT).run()
        assert_inert(at)


def test_no_project_says_who_adds_one_on_every_page(app, tmp_path, monkeypatch):
    # A database of its own (not the embedded default) is never seeded with the demo.
    monkeypatch.setenv("STAGE8_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    for path in ("app_pages/overview.py", "app_pages/analytics.py"):
        text = assert_inert(page(app, path))
        assert "There is no project in this database yet" in text
        assert "whoever runs the desk" in text
    at = app(scene=1).run()
    assert "There is no project in this database yet" in assert_inert(at)
