"""The contact sheet in Chromium: rows per screen at 1280x800, select in two clicks, nothing
moves after select/pin/trash, `&asset=` survives a reload, and at 800 px the sidebar is
collapsed and no button label is cut."""

from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.steps import by_key, by_key_prefix, goto_app, wait_for_app

LAPTOP = {"width": 1280, "height": 800}
NARROW = {"width": 800, "height": 800}
_SCROLL_JS = """() => [window.scrollY,
    document.querySelector('[data-testid="stMain"]').scrollTop]"""
_ROWS_JS = """() => [...document.querySelectorAll('[class*="st-key-row_"]')]
    .filter(e => /(^| )st-key-row_\\d+( |$)/.test(e.className))
    .map(e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; })"""
_CUT_JS = """() => [...document.querySelectorAll('button')]
    .filter(b => b.offsetParent !== null)
    .flatMap(b => [...b.querySelectorAll('p, span, div')].filter(
        l => l.children.length === 0 && l.scrollWidth > l.clientWidth + 1))
    .map(l => l.textContent)"""


def _row(page, iid: int):
    return by_key(page, keys.row_box(iid))


def _hide_banner(page) -> None:
    by_key(page, keys.DEMO_BANNER_HIDE).get_by_role("button").click()
    wait_for_app(page)


def test_three_rows_of_scene_3_fit_the_first_screen(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    expect(by_key_prefix(page, "row_").first).to_be_visible(timeout=30_000)
    # With the demo banner shown: the title and the first two rows.
    title = page.get_by_role("heading", name="Scene 3: A stranger's boat")
    assert title.bounding_box()["y"] >= 0
    rows = page.evaluate(_ROWS_JS)
    assert sum(1 for top, bottom in rows if top >= 0 and bottom <= 800) >= 2, rows
    _hide_banner(page)  # once per session
    rows = page.evaluate(_ROWS_JS)
    assert sum(1 for top, bottom in rows if top >= 0 and bottom <= 800) >= 3, rows
    assert all(bottom - top <= 230 for top, bottom in rows), rows


def _mara_scene_1(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=1")
    row = _row(page, 1)  # Mara in scene 1: attempts #1 (selected), #2, #3
    expect(row).to_be_visible(timeout=30_000)
    return row


def _attempt_button(row, label: str):
    return row.get_by_role("button", name=label, exact=True)


def test_select_an_attempt_in_two_clicks_without_moving(page, streamlit_app):
    row = _mara_scene_1(page, streamlit_app)
    expect(_attempt_button(row, "✓ #1")).to_be_visible()
    before = [*page.evaluate(_SCROLL_JS), row.bounding_box()["y"]]
    _attempt_button(row, "#3").click()  # 1: show it
    wait_for_app(page)
    by_key(page, keys.row_select(1)).get_by_role("button").click()  # 2: select it
    wait_for_app(page)
    expect(page.get_by_text("Attempt #3 selected.")).to_be_visible()
    expect(_attempt_button(row, "✓ #3")).to_be_visible()
    after = [*page.evaluate(_SCROLL_JS), row.bounding_box()["y"]]
    assert all(abs(a - b) <= 4 for a, b in zip(after, before, strict=True)), (before, after)


def test_pin_and_trash_do_not_move_the_viewport(page, streamlit_app):
    row = _mara_scene_1(page, streamlit_app)
    row.scroll_into_view_if_needed()
    _attempt_button(row, "#2").click()
    wait_for_app(page)
    for key in (keys.row_pin(1), keys.row_pin(1), keys.row_trash(1)):
        before = [*page.evaluate(_SCROLL_JS), row.bounding_box()["y"]]
        by_key(page, key).get_by_role("button").click()
        wait_for_app(page)
        after = [*page.evaluate(_SCROLL_JS), row.bounding_box()["y"]]
        assert all(abs(a - b) <= 4 for a, b in zip(after, before, strict=True)), (key, before)
    expect(page.get_by_text("Attempt #2 moved to the trash.")).to_be_visible()
    expect(_attempt_button(row, "#2")).to_have_count(0)


def test_asset_link_opens_the_full_panel_and_survives_a_reload(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=3&asset=Old%20Tomas")
    back = by_key(page, keys.SHEET_BACK)
    expect(back).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Upload your own images")).to_be_visible()
    page.reload()
    wait_for_app(page)
    expect(by_key(page, keys.SHEET_BACK)).to_be_visible(timeout=30_000)
    assert "asset=Old" in page.url
    by_key(page, keys.SHEET_BACK).get_by_role("button").click()
    wait_for_app(page)
    expect(by_key(page, keys.SHEET_BACK)).to_have_count(0)
    assert "asset=" not in page.url


def test_narrow_screen_collapses_the_sidebar_and_cuts_no_label(page, streamlit_app):
    page.set_viewport_size(NARROW)
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    expect(by_key_prefix(page, "row_").first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    assert page.evaluate(_CUT_JS) == []
