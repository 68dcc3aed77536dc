"""The compare view in Chromium (issue 13): from a row of the contact sheet, the shown attempt,
the selected one and the reference side by side at one size, with the slider."""

from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.steps import by_key, goto_app, wait_for_app

_ROW_IDS_JS = """() => [...new Set([...document.querySelectorAll('[class*="st-key-row_"]')]
    .flatMap(e => [...e.classList]).map(c => (c.match(/^st-key-row_(\\d+)$/) || [])[1])
    .filter(Boolean))]"""


def test_compare_shows_three_images_at_one_size(page, streamlit_app):
    page.set_viewport_size({"width": 1280, "height": 800})
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    mara = page.evaluate(_ROW_IDS_JS)[0]  # the first row: Mara, four attempts
    first = page.locator(f"[class*='st-key-row_{mara}_show_'] button").first
    first.click()  # show attempt #1 (#3 is selected)
    wait_for_app(page)
    page.locator(f".st-key-row_{mara}_compare button").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Shown: attempt #1", exact=True)).to_be_visible(timeout=30_000)
    images = by_key(page, keys.COMPARE_IMAGES).locator("img")
    expect(images).to_have_count(3)
    # Sizes once the three have loaded (an image still loading is 0 px tall).
    page.wait_for_function(
        f"() => [...document.querySelectorAll('.st-key-{keys.COMPARE_IMAGES} img')]"
        ".every(i => i.complete && i.naturalHeight > 0)"
    )
    sizes = {
        (round(box["width"]), round(box["height"]))
        for box in (images.nth(i).bounding_box() for i in range(3))
    }
    assert len(sizes) == 1, sizes  # one size for all three
    ((width, _),) = sizes
    assert width >= 200
    for title in ("Selected: attempt #3", "Reference: Scene 2"):
        expect(dialog.get_by_text(title, exact=True)).to_be_visible()
    expect(dialog.locator("[data-testid='compare-slider'] img")).to_have_count(2)
    expect(dialog.get_by_text("Provider / model")).to_be_visible()
