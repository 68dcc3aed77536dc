"""Browser tests of the reference carousel and the as-is checkbox (real app, Chromium)."""

from playwright.sync_api import expect

from tests.e2e.steps import asset_panel, button, by_key_prefix, click_and_wait, goto_app


def _part(page, asset: str, part: str):
    """One asset's panel and a keyed part of it (`reference_box`, `attempts_box`)."""
    panel = asset_panel(page, asset)
    return panel, by_key_prefix(panel, f"{part}_")


def test_pick_an_older_reference(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=3&asset=Mara")
    _, ref = _part(page, "Mara", "reference_box")
    expect(ref.get_by_text("Scene 2", exact=True)).to_be_visible(timeout=30_000)
    expect(button(ref, "Use this reference")).to_be_disabled()
    click_and_wait(ref, "◀")
    click_and_wait(ref, "◀")
    expect(ref.get_by_text("Master", exact=True)).to_be_visible()
    button(ref, "Use this reference").click()
    expect(page.get_by_text("Reference set to Master.")).to_be_visible()  # a toast
    expect(ref.get_by_text("Chosen by a reviewer: Master.")).to_be_visible()


def test_tick_use_master_as_is_changes_the_image(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=2&asset=Logbook")
    panel, attempts = _part(page, "Logbook", "attempts_box")
    expect(attempts.get_by_text("Generated", exact=True)).to_be_visible(timeout=30_000)
    before = attempts.locator("img").first.get_attribute("src")
    panel.get_by_text("Use master as-is").click()
    expect(attempts.get_by_text("Master as-is", exact=True)).to_be_visible()
    expect(button(panel, "Generate")).to_be_disabled()
    after = attempts.locator("img").first.get_attribute("src")
    assert before != after
