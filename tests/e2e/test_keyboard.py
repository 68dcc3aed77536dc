"""Browser tests (real Chromium, 1280×800) of the keyboard layer (`stage8/ui/keyboard.py`).

They drive the fixture page `tests/e2e/keyboard_app.py`: three rows keyed like the contact sheet,
each an `st.fragment` whose buttons write "row N: <action>" into the row. A key must click the
control of the focused row, keep the focus on that row through the fragment's rerun and a reload,
never fire while the reviewer types, and never move the viewport.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.steps import by_key, goto_app, wait_for_app

LAPTOP = {"width": 1280, "height": 800}
NARROW = {"width": 800, "height": 900}

# Streamlit scrolls its main section, not the window: both are measured.
_PLACE_JS = """() => [window.scrollY,
    document.querySelector('[data-testid="stMain"]').scrollTop]"""
_FOCUSED_JS = """() => {
    const rows = [...document.querySelectorAll('.stage8-focused-row')];
    const active = document.activeElement;
    return [rows.map(r => [...r.classList].find(c => /^st-key-row_\\d+$/.test(c))),
            active ? [...active.classList].find(c => /^st-key-row_\\d+$/.test(c)) || null : null];
}"""


def _open(page, url: str, size: dict[str, int] = LAPTOP) -> None:
    """Open the page and wait until a row has the focus (what a reviewer sees: its outline)."""
    page.set_viewport_size(size)
    goto_app(page, url)
    page.wait_for_function("() => document.querySelector('.stage8-focused-row') !== null")
    # The page's last element: Streamlit may report "notRunning" a moment before drawing it.
    expect(by_key(page, keys.NEXT_ATTENTION).get_by_role("button")).to_be_visible()


def _focused(page) -> tuple[list[str], str | None]:
    """(rows carrying the outline, the row that has the DOM focus), as `st-key-row_N` classes."""
    outlined, active = page.evaluate(_FOCUSED_JS)
    return outlined, active


def _expect_focus(page, iid: int) -> None:
    name = f"st-key-{keys.row_box(iid)}"
    page.wait_for_function(
        "name => document.activeElement && document.activeElement.classList.contains(name)",
        arg=name,
    )
    assert _focused(page) == ([name], name)


def _press(page, key: str) -> None:
    page.keyboard.press(key)
    wait_for_app(page)


def _last(page, iid: int):
    return by_key(page, keys.row_box(iid)).get_by_text("last: ", exact=False)


def test_the_first_row_has_the_focus_after_load_with_no_mouse(page, keyboard_app):
    _open(page, keyboard_app)
    _expect_focus(page, 1)


@pytest.mark.parametrize(
    ("key", "action"),
    [
        ("ArrowLeft", "prev"),
        ("ArrowRight", "next"),
        ("Enter", "select"),
        ("s", "select"),
        ("m", "as-is on"),
        ("g", "generate"),
        ("p", "pin"),
        ("x", "trash"),
        ("c", "compare"),
    ],
)
def test_a_key_clicks_that_control_of_the_focused_row(page, keyboard_app, key, action):
    _open(page, keyboard_app)
    _press(page, "j")
    _expect_focus(page, 2)
    _press(page, key)
    expect(_last(page, 2)).to_have_text(f"last: row 2: {action}")
    expect(_last(page, 1)).to_have_text("last: nothing")
    expect(_last(page, 3)).to_have_text("last: nothing")
    # "c" is also Streamlit's clear-cache key: the layer takes it first, so no dialog opens.
    expect(page.get_by_role("dialog")).to_have_count(0)
    _expect_focus(page, 2)


def test_m_turns_use_as_is_on_and_off(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "m")
    expect(_last(page, 1)).to_have_text("last: row 1: as-is on")
    _press(page, "m")
    expect(_last(page, 1)).to_have_text("last: row 1: as-is off")


def test_u_undoes_in_the_scene(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "u")
    expect(page.get_by_text("log: scene: undo", exact=True)).to_be_visible()
    _expect_focus(page, 1)


def test_n_goes_to_the_next_row_that_needs_attention_then_to_the_scene_button(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "n")
    _expect_focus(page, 2)  # row 2 holds the row_needs marker
    _press(page, "s")  # selecting it clears the marker
    expect(by_key(page, keys.row_needs(2))).to_have_count(0)
    _press(page, "k")
    _press(page, "n")  # no row after row 1 needs attention any more
    expect(page.get_by_text("log: row 2: select | scene: next", exact=True)).to_be_visible()


def test_j_and_k_move_the_focus_and_it_stays_through_a_fragment_rerun(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "j")
    _press(page, "ArrowDown")
    _expect_focus(page, 3)
    _press(page, "j")  # the last row stays focused
    _expect_focus(page, 3)
    _press(page, "k")
    _expect_focus(page, 2)
    for key, action in (("p", "pin"), ("g", "generate"), ("s", "select")):
        _press(page, key)
        expect(_last(page, 2)).to_have_text(f"last: row 2: {action}")
        _expect_focus(page, 2)
    _press(page, "ArrowUp")
    _expect_focus(page, 1)


def test_typing_in_a_text_field_fires_nothing(page, keyboard_app):
    _open(page, keyboard_app)
    field = page.get_by_label("Note")
    field.click()
    field.press_sequentially("sjkgpxcmun?")
    field.press("ArrowLeft")
    field.press("Enter")
    wait_for_app(page)
    expect(field).to_have_value("sjkgpxcmun?")
    expect(page.get_by_text("log: ", exact=True)).to_be_visible()  # nothing was clicked
    expect(page.get_by_role("dialog", name="Keyboard")).to_have_count(0)
    for iid in (1, 2, 3):
        expect(_last(page, iid)).to_have_text("last: nothing")


def test_keys_with_ctrl_or_alt_are_left_alone(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "Alt+s")
    _press(page, "Control+j")
    _expect_focus(page, 1)
    expect(_last(page, 1)).to_have_text("last: nothing")


def test_keys_wait_while_a_dialog_is_open(page, keyboard_app):
    _open(page, keyboard_app)
    page.get_by_role("button", name="Open a dialog").click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")  # into the dialog, away from the row
    for key in ("j", "s", "u", "?"):
        page.keyboard.press(key)
    wait_for_app(page)
    expect(dialog).to_be_visible()
    expect(page.get_by_role("dialog", name="Keyboard")).to_have_count(0)
    expect(page.get_by_text("log: ", exact=True)).to_be_attached()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    _press(page, "j")
    _expect_focus(page, 2)


def test_question_mark_shows_the_cheat_sheet_and_escape_closes_it(page, keyboard_app):
    _open(page, keyboard_app)
    sheet = page.get_by_role("dialog", name="Keyboard")
    page.keyboard.press("?")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("select the shown attempt")
    expect(sheet).to_contain_text("next asset that needs you")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    page.keyboard.press("?")
    expect(sheet).to_be_visible()
    page.keyboard.press("?")
    expect(sheet).to_be_hidden()


def test_the_focused_row_survives_a_reload(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "j")
    _press(page, "j")
    _expect_focus(page, 3)
    page.reload()
    wait_for_app(page)
    _expect_focus(page, 3)


def test_an_action_never_moves_the_viewport(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "j")
    _press(page, "j")  # row 3 starts below the fold: j scrolls it into view once
    _expect_focus(page, 3)
    before = page.evaluate(_PLACE_JS)
    assert before != [0, 0]
    box = by_key(page, keys.row_box(3)).bounding_box()
    for key, action in (("s", "select"), ("ArrowRight", "next"), ("m", "as-is on")):
        _press(page, key)
        expect(_last(page, 3)).to_have_text(f"last: row 3: {action}")
        _expect_focus(page, 3)
        assert page.evaluate(_PLACE_JS) == before
        assert by_key(page, keys.row_box(3)).bounding_box()["y"] == box["y"]


def test_moving_to_a_row_scrolls_only_when_it_is_off_screen(page, keyboard_app):
    _open(page, keyboard_app, {"width": 1280, "height": 1300})  # rows 1 and 2 fit, not row 3
    _press(page, "j")
    _expect_focus(page, 2)
    assert page.evaluate(_PLACE_JS) == [0, 0]
    _press(page, "j")
    _expect_focus(page, 3)
    assert page.evaluate(_PLACE_JS) != [0, 0]
    row = by_key(page, keys.row_box(3)).bounding_box()
    assert row["y"] + row["height"] <= 1300


def test_the_layer_takes_no_room_on_the_page(page, keyboard_app):
    _open(page, keyboard_app)
    rects = page.evaluate(
        """k => { const el = document.querySelector('.st-key-' + k);
            return [el.getClientRects().length, el.parentElement.getClientRects().length]; }""",
        keys.KEYBOARD_LAYER,
    )
    assert rects == [0, 0]


def test_a_narrow_window_starts_with_the_sidebar_collapsed_once(page, keyboard_app):
    _open(page, keyboard_app, NARROW)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    page.get_by_test_id("stExpandSidebarButton").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    page.reload()
    wait_for_app(page)
    # Once per browser session: the reviewer opened it again, so it stays open.
    expect(sidebar).to_have_attribute("data-collapsed", "false")


def test_a_wide_window_keeps_the_sidebar_open(page, keyboard_app):
    _open(page, keyboard_app)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")


def test_a_digit_right_after_x_is_the_reason_and_otherwise_a_rating(page, keyboard_app):
    _open(page, keyboard_app)
    _expect_focus(page, 1)
    _press(page, "3")  # no bar open: the shown attempt's stars
    expect(_last(page, 1)).to_have_text("last: row 1: star 3")
    page.keyboard.press("x")
    page.keyboard.press("2")  # at once, before the row is back with its bar: still the reason
    wait_for_app(page)
    expect(_last(page, 1)).to_have_text("last: row 1: why 2")
    expect(by_key(page, keys.row_why(1))).to_have_count(0)
    _press(page, "0")  # the bar is gone: 0 clears the rating
    expect(_last(page, 1)).to_have_text("last: row 1: star 0")
    _expect_focus(page, 1)


def test_esc_skips_the_question_and_leaving_the_row_puts_it_away(page, keyboard_app):
    _open(page, keyboard_app)
    _press(page, "s")
    expect(by_key(page, keys.row_why(1))).to_be_visible()
    _press(page, "Escape")
    expect(_last(page, 1)).to_have_text("last: row 1: why skip")
    _press(page, "x")
    expect(by_key(page, keys.row_why(1))).to_be_visible()
    _press(page, "j")  # to row 2: row 1's question is put away, and digits rate row 2
    expect(by_key(page, keys.row_why(1))).to_be_hidden()
    _press(page, "4")
    expect(_last(page, 2)).to_have_text("last: row 2: star 4")
    expect(_last(page, 1)).to_have_text("last: row 1: trash")
