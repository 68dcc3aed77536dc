"""The keyboard on the real contact sheet (issue 13): in scene 3 of the demo, every row that has
another attempt to pick is decided from the keyboard alone in two key presses (← or →, then
s), the focus stays on the row after each action, and the viewport never moves."""

import re

from playwright.sync_api import expect

from tests.e2e.steps import goto_app, wait_for_app

LAPTOP = {"width": 1280, "height": 800}
_SCROLL_JS = """() => [window.scrollY,
    document.querySelector('[data-testid="stMain"]').scrollTop]"""
_ROW_IDS_JS = """() => [...new Set([...document.querySelectorAll('[class*="st-key-row_"]')]
    .flatMap(e => [...e.classList]).map(c => (c.match(/^st-key-row_(\\d+)$/) || [])[1])
    .filter(Boolean))]"""
_FOCUSED_JS = """() => { const e = document.querySelector('.stage8-focused-row');
    const m = e && e.className.match(/st-key-row_(\\d+)/); return m ? m[1] : null; }"""


def _selected_label(page, iid: str) -> str | None:
    """The strip button of the row marked selected (its label starts with ✓)."""
    labels = page.locator(f"[class*='st-key-row_{iid}_show_'] button").all_inner_texts()
    return next((t.strip() for t in labels if t.strip().startswith("✓")), None)


def _enabled(page, key: str) -> bool:
    button = page.locator(f".st-key-{key} button").first
    return button.count() > 0 and button.is_enabled()


def test_scene_3_is_decided_from_the_keyboard(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    ids = page.evaluate(_ROW_IDS_JS)
    assert len(ids) == 4
    expect(page.locator(f".st-key-row_{ids[0]}_select button").first).to_be_attached()
    page.wait_for_function(_FOCUSED_JS)  # the first row has the focus after load, no mouse
    assert page.evaluate(_FOCUSED_JS) == ids[0]
    decided = 0
    for n, iid in enumerate(ids):
        if n:
            page.keyboard.press("j")
            page.wait_for_function(f"() => ({_FOCUSED_JS})() === '{iid}'")
        arrow = "ArrowRight" if _enabled(page, f"row_{iid}_next") else "ArrowLeft"
        if not _enabled(page, f"row_{iid}_{'next' if arrow == 'ArrowRight' else 'prev'}"):
            continue  # one attempt only: nothing else to pick
        before = _selected_label(page, iid)
        place = page.evaluate(_SCROLL_JS)
        for key in (arrow, "s"):  # two key presses: show another attempt, select it
            page.keyboard.press(key)
            wait_for_app(page)
            assert page.evaluate(_SCROLL_JS) == place, f"{key} moved the page"
            assert page.evaluate(_FOCUSED_JS) == iid, f"{key} lost the row's focus"
        expect(
            page.locator(f"[class*='st-key-row_{iid}_show_'] button")
            .filter(has_text=re.compile("^✓"))
            .first
        ).not_to_have_text(before or "")
        decided += 1
    assert decided >= 2  # Mara (4 attempts) and Old Tomas (2); the others have one each
