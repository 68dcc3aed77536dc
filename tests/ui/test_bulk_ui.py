"""AppTest of the scene page's bulk actions: generate (cost first) and use master as-is."""

from stage8.db.finders import find_instance, find_project, find_scene
from stage8.db.models import GenerationJob
from stage8.decisions.attempts import list_attempts
from stage8.ui import state as keys
from tests.ui.helpers import shown


def _bulk(desk, scene, name):
    """The key of bulk widget `name` on `scene` of the demo (bulk state is kept per scene)."""
    with desk.tx() as s:
        return keys.bulk(name, find_scene(s, find_project(s), scene).id)


def _iid(desk, scene, asset):
    with desk.tx() as s:
        return find_instance(s, None, scene, asset).id


def test_bulk_use_master_as_is_reports_per_asset(app, ui_desk):
    at = app(scene=4).run()  # Mara, Brass Lantern, Logbook as-is; Lighthouse generated
    at.multiselect(key=_bulk(ui_desk, 4, keys.BULK_ASSETS)).set_value(["Mara", "Lighthouse"]).run()
    button = at.button(key=_bulk(ui_desk, 4, keys.BULK_AS_IS))
    assert button.label == "Use master as-is for 2 assets"
    button.click().run()
    assert not at.exception
    report = at.dataframe[0].value
    rows = dict(zip(report["asset"], report["result"], strict=True))
    assert rows == {"Mara": "already as-is", "Lighthouse": "applied"}
    lighthouse = _iid(ui_desk, 4, "Lighthouse")
    assert next(a for a in list_attempts(ui_desk, lighthouse) if a.selected).source == (
        "master_copy"
    )
    assert at.toggle(key=keys.row_as_is(lighthouse)).value  # the row shows it at once


def test_bulk_generate_shows_cost_then_queues_and_skips_as_is(app, ui_desk):
    at = app(scene=3).run()
    at.multiselect(key=_bulk(ui_desk, 3, keys.BULK_ASSETS)).set_value(["Mara", "Old Tomas"]).run()
    at.button(key=_bulk(ui_desk, 3, keys.BULK_GENERATE_ASK)).click().run()
    assert any("Estimated total $0 for 2 generation(s)" in shown(w.value) for w in at.warning)
    with ui_desk.tx() as s:
        assert s.query(GenerationJob).count() == 0  # nothing before confirming
    at.button(key=_bulk(ui_desk, 3, keys.BULK_GENERATE_CONFIRM)).click().run()
    assert not at.exception
    report = at.dataframe[0].value
    assert list(report["result"]) == ["queued", "queued"]
    with ui_desk.tx() as s:
        assert s.query(GenerationJob).count() == 2
    assert any("Generation: 0 / 2 done" in str(p.proto.text) for p in at.get("progress"))


def test_bulk_unchanged_checkbox_selects_unchanged_assets(app, ui_desk):
    at = app(scene=6).run()
    at.checkbox(key=_bulk(ui_desk, 6, keys.BULK_UNCHANGED)).check().run()
    assert (
        at.button(key=_bulk(ui_desk, 6, keys.BULK_AS_IS)).label == "Use master as-is for 2 assets"
    )
