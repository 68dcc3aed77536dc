"""Browser smoke tests: the real app in headless Chromium (Debian's browser, no downloads)."""

from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.steps import button, by_key, by_key_prefix, goto_app


def test_scene_page_by_url_shows_its_assets(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    for name in ("Mara", "The Stranger", "Harbour Town", "Old Tomas"):
        row = by_key_prefix(page, "row_").get_by_text(name, exact=True).first  # a sheet row
        expect(row).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Demo data")).to_be_visible()


def test_select_this_one_moves_the_selected_badge(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=1&asset=Mara")
    # Mara in scene 1: three attempts, #1 selected
    attempts = by_key(page, keys.attempts_box(1))
    expect(attempts.get_by_text("Attempt #1")).to_be_visible(timeout=30_000)
    expect(attempts.get_by_text("Selected", exact=True)).to_be_visible()
    button(attempts, "▶").click()
    expect(attempts.get_by_text("Attempt #2")).to_be_visible()
    expect(attempts.get_by_text("Selected", exact=True)).to_have_count(0)
    button(attempts, "Select this one").click()
    expect(page.get_by_text("Attempt #2 selected.")).to_be_visible()  # a toast
    expect(attempts.get_by_text("Selected", exact=True)).to_be_visible()
    button(attempts, "◀").click()
    expect(attempts.get_by_text("Attempt #1")).to_be_visible()
    expect(attempts.get_by_text("Selected", exact=True)).to_have_count(0)
