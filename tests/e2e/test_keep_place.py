"""Browser tests (1280×800): the scene page keeps the reviewer's place.

Previous/next scene links update the address (a reload stays on that scene), bulk state belongs
to its scene, and an action's confirmation does not move the viewport or the panel.
"""

from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.steps import button, by_key, by_key_prefix, goto_app, wait_for_app

LAPTOP = {"width": 1280, "height": 800}


def _title(page, n: int):
    return page.get_by_role("heading", name=f"Scene {n}:", exact=False).first


def _follow(page, label: str) -> None:
    page.get_by_role("link", name=label, exact=True).click()
    wait_for_app(page)


def test_previous_next_update_the_address_and_survive_a_reload(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=4")
    expect(_title(page, 4)).to_be_visible(timeout=30_000)
    _follow(page, "Scene 5 ▶")
    expect(_title(page, 5)).to_be_visible()
    assert "scene=5" in page.url
    page.reload()
    wait_for_app(page)
    expect(_title(page, 5)).to_be_visible()
    _follow(page, "◀ Scene 4")
    expect(_title(page, 4)).to_be_visible()
    assert "scene=4" in page.url
    page.reload()
    wait_for_app(page)
    expect(_title(page, 4)).to_be_visible()


def _bulk_box(page):
    """The bulk box, in the scene bar's "Bulk" popover (opened here when it is closed)."""
    box = by_key_prefix(page, keys.BULK_BOX)
    if not box.is_visible():
        by_key(page, keys.SHEET_BULK).get_by_role("button").first.click()
        expect(box).to_be_visible()
    return box


def test_bulk_state_of_scene_4_stays_on_scene_4(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=4")
    box = _bulk_box(page)
    unchanged = box.get_by_role("checkbox", name="All unchanged assets")
    box.get_by_text("All unchanged assets").click()
    wait_for_app(page)
    expect(unchanged).to_be_checked()
    as_is = box.get_by_role("button", name="Use master as-is for", exact=False)
    as_is.click()
    wait_for_app(page)
    expect(box.get_by_test_id("stDataFrame")).to_have_count(1)

    _follow(page, "Scene 5 ▶")
    expect(_title(page, 5)).to_be_visible()
    box = _bulk_box(page)
    expect(box.get_by_role("checkbox", name="All unchanged assets")).not_to_be_checked()
    expect(box.get_by_test_id("stDataFrame")).to_have_count(0)

    _follow(page, "◀ Scene 4")
    expect(_title(page, 4)).to_be_visible()
    box = _bulk_box(page)
    expect(box.get_by_role("checkbox", name="All unchanged assets")).to_be_checked()
    expect(box.get_by_test_id("stDataFrame")).to_have_count(1)


# Streamlit scrolls its main section, not the window: both are measured.
_SCROLL_JS = """() => [window.scrollY,
    document.querySelector('[data-testid="stMain"]').scrollTop]"""


def _place(page, panel, select) -> list[float]:
    """Where the reviewer is: the scroll offsets, the panel's top, the Select button's top."""
    return [*page.evaluate(_SCROLL_JS), panel.bounding_box()["y"], select.bounding_box()["y"]]


def _select_in_place(page, panel, attempts, number: int) -> None:
    """Show attempt `number`, bring "Select this one" on screen, click it: nothing may move."""
    button(attempts, "▶").click()
    wait_for_app(page)
    expect(attempts.get_by_text(f"Attempt #{number}")).to_be_visible()
    select = button(attempts, "Select this one")
    select.scroll_into_view_if_needed()  # the click itself then scrolls nothing
    before = _place(page, panel, select)
    select.click()
    wait_for_app(page)
    expect(page.get_by_text(f"Attempt #{number} selected.")).to_be_visible()
    expect(attempts.get_by_text("Selected", exact=True)).to_be_visible()
    after = _place(page, panel, select)
    assert all(abs(a - b) <= 4 for a, b in zip(after, before, strict=True)), (before, after)


def test_select_this_one_does_not_move_the_viewport(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=1&asset=Mara")
    panel = by_key(page, keys.asset_box(1))  # Mara in scene 1: three attempts, #1 selected
    attempts = by_key(page, keys.attempts_box(1))
    expect(attempts.get_by_text("Attempt #1")).to_be_visible(timeout=30_000)
    _select_in_place(page, panel, attempts, 2)
    # The next click in the same panel stays in place too (it used to jump when the message
    # above the panel went away).
    _select_in_place(page, panel, attempts, 3)
