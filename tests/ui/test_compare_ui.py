"""AppTest of the compare dialog on the demo: three images, the slider, the metadata diff."""

from streamlit.testing.v1 import AppTest

from stage8.db.finders import find_instance
from stage8.reads.board import load_panel
from tests.ui.helpers import page_text


def _dialog_page(instance_id: int, attempt_id: int) -> None:
    from stage8.reads.board import load_panel as load  # AppTest runs this function's body alone
    from stage8.ui.compare import open_compare
    from stage8.ui.session import get_desk

    desk = get_desk()
    open_compare(desk, load(desk, instance_id), attempt_id)


def _mara(desk, scene):
    with desk.tx() as s:
        return find_instance(s, None, scene, "Mara").id


def test_compare_shows_three_images_a_slider_and_what_differs(ui_desk):
    iid = _mara(ui_desk, 3)
    panel = load_panel(ui_desk, iid)
    other = next(a for a in panel.attempts if not a.selected)
    at = AppTest.from_function(_dialog_page, args=(iid, other.id), default_timeout=60).run()
    assert not at.exception
    text = page_text(at)
    assert "Mara" in text
    assert f"Shown: attempt #{other.attempt_number}" in text
    assert f"Selected: attempt #{panel.selected.attempt_number}" in text
    assert "Reference: " in text
    assert len(at.get("image")) == 3
    assert at.radio[0].options == [
        "Shown ↔ reference",
        "Shown ↔ selected",
        "Selected ↔ reference",
    ]
    slider = [h for h in at.get("html") if "compare-slider" in h.proto.body]
    assert len(slider) == 1 and slider[0].proto.body.count("data:image/jpeg;base64,") == 2
    assert "Provider / model" in text and "Cost" in text


def test_compare_of_a_trashed_attempt_says_so(ui_desk):
    from stage8.decisions.attempts import trash_attempt

    iid = _mara(ui_desk, 3)
    panel = load_panel(ui_desk, iid)
    other = next(a for a in panel.attempts if not a.selected)
    trash_attempt(ui_desk, other.id, actor="t")
    at = AppTest.from_function(_dialog_page, args=(iid, other.id), default_timeout=60).run()
    assert not at.exception
    assert any("no longer live" in e.value for e in at.error)
