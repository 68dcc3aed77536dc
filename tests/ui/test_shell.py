"""The app shell: demo on an empty default database, the overview, and the scene page by URL."""

from stage8.demo.seed import DEMO_PROJECT
from tests.ui.helpers import page_text as _text
from tests.ui.helpers import shown


def test_overview_seeds_demo_and_says_so(app):
    at = app().run()
    assert not at.exception
    text = _text(at)
    assert DEMO_PROJECT in text
    assert "Demo data" in text and "STAGE8_DATABASE_URL" in text
    labels = [p.proto.label for p in at.get("page_link") if p.proto.label.startswith("Scene")]
    assert labels[:2] == ["Scene 1: Arrival at the point", "Scene 2: The harbour at dawn"]
    assert "undecided" in text and "$0.117" in text


def test_scene_page_lists_assets_grouped_by_type(app):
    at = app(scene=1).run()
    assert not at.exception
    groups = [c.value for c in at.caption if c.value.startswith("**")]
    assert groups == ["**Characters**", "**Locations**", "**Props**"]
    rows = [
        m.value.split("**")[1] for m in at.markdown if m.value.startswith("**") and " · " in m.value
    ]
    assert rows == ["Mara", "Old Tomas", "Lighthouse", "Brass Lantern"]


def test_unknown_scene_says_what_to_do(app):
    at = app(scene=99).run()
    assert not at.exception
    assert any("no scene 99" in shown(e.value) for e in at.error)


def test_bad_scene_parameter(app):
    at = app().run()
    at.switch_page("app_pages/scene.py")
    at.query_params["scene"] = "abc"
    at.run()
    assert any("not a scene number" in shown(e.value) for e in at.error)


def test_database_setting_error_is_shown_not_raised(app, monkeypatch):
    monkeypatch.setenv("STAGE8_DATABASE_URL", "mysql://nope")
    at = app().run()
    assert not at.exception
    assert any("cannot start" in e.value and "STAGE8_DATABASE_URL" in e.value for e in at.error)


def test_unreachable_database_is_a_message(app, monkeypatch):
    monkeypatch.setenv("STAGE8_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    at = app().run()
    assert not at.exception
    assert any("cannot reach its database" in e.value for e in at.error)
