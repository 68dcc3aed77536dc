"""Browser tests of the reference carousel and the as-is checkbox (real app, Chromium)."""

from playwright.sync_api import expect

from tests.e2e.conftest import goto_app, wait_for_app


def _instance_box(page, asset: str, box: str):
    """The container of one asset's panel part, found by the asset's heading."""
    panel = page.locator("[class*='st-key-asset_']").filter(
        has=page.get_by_role("heading", name=asset, exact=True)
    )
    return panel, panel.locator(f"[class*='st-key-{box}_']")


def test_pick_an_older_reference(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    panel, ref = _instance_box(page, "Mara", "reference_box")
    expect(ref.get_by_text("Scene 2", exact=True)).to_be_visible(timeout=30_000)
    expect(ref.get_by_role("button", name="Use this reference")).to_be_disabled()
    ref.get_by_role("button", name="◀").click()
    wait_for_app(page)
    ref.get_by_role("button", name="◀").click()
    wait_for_app(page)
    expect(ref.get_by_text("Master", exact=True)).to_be_visible()
    ref.get_by_role("button", name="Use this reference").click()
    expect(panel.get_by_text("Reference set to Master.")).to_be_visible()
    expect(ref.get_by_text("Chosen by a reviewer: Master.")).to_be_visible()


def test_tick_use_master_as_is_changes_the_image(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=2")
    panel, attempts = _instance_box(page, "Logbook", "attempts_box")
    expect(attempts.get_by_text("Generated", exact=True)).to_be_visible(timeout=30_000)
    before = attempts.locator("img").first.get_attribute("src")
    panel.get_by_text("Use master as-is").click()
    expect(attempts.get_by_text("Master as-is", exact=True)).to_be_visible()
    expect(panel.get_by_role("button", name="Generate")).to_be_disabled()
    after = attempts.locator("img").first.get_attribute("src")
    assert before != after
