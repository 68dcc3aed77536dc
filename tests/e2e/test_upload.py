"""Browser test: upload a PNG into an asset panel of the real app and see it selected.

Scene 5 of the demo has no attempts yet, so the uploaded image becomes attempt #1 and is
selected. The file goes through the page's own file input, as a reviewer's would.
"""

from playwright.sync_api import expect

from tests.builders import png
from tests.e2e.conftest import goto_app, wait_for_app

# Markdown and HTML in the name must be shown as typed, never rendered.
NAME = "storm *sea* [final](x) <b>.png"


def test_uploaded_png_becomes_the_selected_attempt(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=5")
    panel = page.locator("[class*='st-key-asset_']").filter(
        has=page.get_by_role("heading", name="Mara", exact=True)
    )
    expect(panel.get_by_text("No image yet")).to_be_visible(timeout=30_000)

    panel.locator("input[type=file]").set_input_files(
        files=[{"name": NAME, "mimeType": "image/png", "buffer": png(77, (320, 240))}]
    )
    upload = panel.get_by_role("button", name="Upload 1 file")
    expect(upload).to_be_visible()
    upload.click()
    wait_for_app(page)

    expect(panel.get_by_text(f"“{NAME}” stored as attempt #1", exact=False)).to_be_visible()
    expect(panel.get_by_text("Attempt #1", exact=True)).to_be_visible()
    expect(panel.get_by_text("Selected", exact=True)).to_be_visible()
    expect(panel.get_by_text("Uploaded", exact=True)).to_be_visible()
    # The uploader was emptied, so nothing can be sent twice.
    expect(panel.get_by_role("button", name="Upload 1 file")).to_have_count(0)
