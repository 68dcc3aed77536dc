"""AppTest of the contact sheet: rows, chips, strip labels (#n), select in two clicks, undo,
the full panel at `&asset=NAME`, an unknown asset, and pages of rows in a long scene."""

import pytest

from stage8.db.finders import find_instance, find_project, find_scene
from stage8.decisions.attempts import list_attempts, trash_attempt
from stage8.ui import state as keys
from stage8.ui.contact_sheet import PAGE_SIZE
from tests.bulk_fixtures import build_scene
from tests.ui.helpers import page_text, shown

SCENE_1 = ("Mara", "Lighthouse", "Brass Lantern", "Old Tomas")  # the demo's scene 1


def _iid(desk, name, scene=1, project=None):
    with desk.read() as s:
        return find_instance(s, project, scene, name).id


def _number(desk, iid, n):
    return next(a.id for a in list_attempts(desk, iid) if a.attempt_number == n)


def _selected(desk, iid):
    return [a.attempt_number for a in list_attempts(desk, iid) if a.selected]


def _rows(at) -> list[str]:
    """The keys of the rows shown (one Select button per row)."""
    return [b.key for b in at.button if b.key and b.key.endswith("_select")]


def _strip(at, iid) -> list[str]:
    prefix = keys.row_show(iid, 0)[: -len("0")]
    return [b.label for b in at.button if b.key and b.key.startswith(prefix)]


@pytest.fixture
def mara(ui_desk):
    return _iid(ui_desk, "Mara")


def test_one_compact_row_per_asset_with_status_and_reference(app, ui_desk):
    at = app(scene=1).run()
    assert not at.exception
    names = SCENE_1
    assert sorted(_rows(at)) == sorted(keys.row_select(_iid(ui_desk, n)) for n in names)
    text = page_text(at)
    for name in names:
        assert name in text
    assert "decided" in text and "as-is" in text  # Lighthouse uses its master as-is
    assert "Characters" in text
    assert "Ref:" in text  # the effective reference is named beside its thumbnail
    # No full panel on the sheet: its big controls appear only at &asset=.
    assert not [b for b in at.button if b.key and b.key.startswith("select_")]


def test_strip_labels_are_attempt_numbers_and_mark_selected_and_shown(app, ui_desk, mara):
    at = app(scene=1).run()
    # Mara in scene 1: attempts #1 (selected) to #3; the row shows the selected one.
    assert _strip(at, mara) == ["✓ #1", "#2", "#3"]
    shown_button = at.button(key=keys.row_show(mara, _number(ui_desk, mara, 1)))
    assert shown_button.proto.type == "primary"
    trash_attempt(ui_desk, _number(ui_desk, mara, 2), actor="t")
    at = app(scene=1).run()
    assert _strip(at, mara) == ["✓ #1", "#3"]  # numbers, not positions, after #2 left


def test_show_then_select_is_two_clicks_and_other_rows_keep_their_place(app, ui_desk, mara):
    at = app(scene=1).run()
    tomas = _iid(ui_desk, "Old Tomas")
    before = _strip(at, tomas)
    at.button(key=keys.row_show(mara, _number(ui_desk, mara, 3))).click().run()
    assert at.button(key=keys.row_show(mara, _number(ui_desk, mara, 3))).proto.type == "primary"
    at.button(key=keys.row_select(mara)).click().run()
    assert not at.exception
    assert _selected(ui_desk, mara) == [3]
    assert any("Attempt #3 selected" in shown(t.value) for t in at.toast)
    assert _strip(at, mara) == ["#1", "#2", "✓ #3"]
    assert at.button(key=keys.row_select(mara)).disabled
    assert _strip(at, tomas) == before
    at.run()  # the shown attempt is kept across reruns
    assert at.button(key=keys.row_show(mara, _number(ui_desk, mara, 3))).proto.type == "primary"


def test_arrows_pin_trash_and_undo_from_the_row(app, ui_desk, mara):
    at = app(scene=1).run()
    at.button(key=keys.row_next(mara)).click().run()
    second = _number(ui_desk, mara, 2)
    assert at.button(key=keys.row_show(mara, second)).proto.type == "primary"
    at.button(key=keys.row_pin(mara)).click().run()
    assert [a.attempt_number for a in list_attempts(ui_desk, mara) if a.pinned] == [2]
    at.button(key=keys.row_pin(mara)).click().run()  # unpin
    at.button(key=keys.row_trash(mara)).click().run()
    assert [a.attempt_number for a in list_attempts(ui_desk, mara)] == [3, 1]
    at.button(key=keys.SCENE_UNDO).click().run()
    assert not at.exception
    assert any("back from the trash" in shown(t.value) for t in at.toast)
    assert [a.attempt_number for a in list_attempts(ui_desk, mara)] == [3, 2, 1]
    assert "#2" in _strip(at, mara)


def test_as_is_toggle_from_the_row(app, ui_desk, mara):
    at = app(scene=1).run()
    at.toggle(key=keys.row_as_is(mara)).set_value(True).run()
    assert not at.exception
    at = app(scene=1).run()
    assert at.toggle(key=keys.row_as_is(mara)).value is True
    assert "as-is" in page_text(at)
    assert at.button(key=keys.row_generate(mara)).disabled


def test_undecided_asset_needs_attention(app, ui_desk):
    at = app(scene=5).run()  # Mara has no image in scene 5
    assert not at.exception
    text = page_text(at)
    assert "undecided" in text and "need attention" in text
    assert "No image yet" in text


def test_full_panel_at_asset_link_in_place_of_its_row(app, ui_desk, mara):
    at = app(scene=1, asset="Mara").run()
    assert not at.exception
    assert keys.row_select(mara) not in _rows(at)  # the full panel replaced Mara's row
    assert at.button(key=keys.select_button(mara))  # the full panel's own controls
    assert len(_rows(at)) >= 1  # the rest of the sheet stays
    at.button(key=keys.SHEET_BACK).click().run()
    assert "asset" not in at.query_params
    assert keys.row_select(mara) in _rows(at)
    assert at.session_state[keys.sheet_focus(_scene_id(ui_desk))] == mara


def _scene_id(desk):
    with desk.read() as s:
        return find_scene(s, find_project(s, None), 1).id


def test_open_from_the_row_sets_the_asset_link(app, ui_desk, mara):
    at = app(scene=1).run()
    at.button(key=keys.row_open(mara)).click().run()
    assert not at.exception
    assert at.query_params["asset"] in ("Mara", ["Mara"])
    assert at.button(key=keys.select_button(mara))


def test_unknown_asset_says_so_and_shows_the_sheet(app, ui_desk):
    at = app(scene=1, asset="Nobody").run()
    assert not at.exception
    assert any("no asset named" in shown(w.value) for w in at.warning)
    assert len(_rows(at)) >= 3


def test_long_scene_shows_pages_of_rows(app, ui_desk):
    build_scene(ui_desk, "Long", assets=45, attempts=2)
    at = app(scene=1, project="Long").run()
    assert not at.exception
    assert len(_rows(at)) == PAGE_SIZE < 45
    assert f"Assets 1–{PAGE_SIZE} of 45" in page_text(at)
    scene = _scene_id_of(ui_desk, "Long")
    last = (45 - 1) // PAGE_SIZE
    at.button(key=keys.sheet_page_button(scene, last)).click().run()
    assert len(_rows(at)) == 45 - last * PAGE_SIZE
    assert f"Assets {last * PAGE_SIZE + 1}–45 of 45" in page_text(at)
    # An asset link opens the page that holds it, the full panel in place of its row.
    at = app(scene=1, project="Long", asset="Asset 001").run()
    caption = "Assets {}–{} of 45"
    [page] = [
        n
        for n in range(last)
        if caption.format(n * PAGE_SIZE + 1, (n + 1) * PAGE_SIZE) in page_text(at)
    ]
    assert at.button(key=keys.sheet_page_button(scene, page)).proto.type == "primary"
    assert len(_rows(at)) == PAGE_SIZE - 1


def _scene_id_of(desk, project):
    with desk.read() as s:
        return find_scene(s, find_project(s, project), 1).id
