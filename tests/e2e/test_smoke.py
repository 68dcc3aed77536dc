"""Browser smoke tests: the real app in headless Chromium (Debian's browser, no downloads)."""

from playwright.sync_api import expect

from tests.e2e.conftest import goto_app


def test_scene_page_by_url_shows_its_assets(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    for name in ("Mara", "The Stranger", "Harbour Town", "Old Tomas"):
        expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Demo data")).to_be_visible()


def test_select_this_one_moves_the_selected_badge(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=1")
    # Mara in scene 1: three attempts, #1 selected
    panel = page.locator(".st-key-attempts_box_1")
    expect(panel.get_by_text("Attempt #1")).to_be_visible(timeout=30_000)
    expect(panel.get_by_text("Selected", exact=True)).to_be_visible()
    panel.get_by_role("button", name="▶").click()
    expect(panel.get_by_text("Attempt #2")).to_be_visible()
    expect(panel.get_by_text("Selected", exact=True)).to_have_count(0)
    panel.get_by_role("button", name="Select this one").click()
    expect(page.locator(".st-key-asset_1").get_by_text("Attempt #2 selected.")).to_be_visible()
    expect(panel.get_by_text("Selected", exact=True)).to_be_visible()
    panel.get_by_role("button", name="◀").click()
    expect(panel.get_by_text("Attempt #1")).to_be_visible()
    expect(panel.get_by_text("Selected", exact=True)).to_have_count(0)
