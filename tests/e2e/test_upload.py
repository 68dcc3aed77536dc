"""Browser test: upload a PNG into an asset panel of the real app and see it selected.

Scene 5 of the demo has no attempts yet, so the uploaded image becomes attempt #1 and is
selected. The file goes through the page's own file input, as a reviewer's would.
"""

from playwright.sync_api import expect

from tests.builders import png
from tests.e2e.steps import asset_panel, button, click_and_wait, goto_app

# Markdown and HTML in the name must be shown as typed, never rendered.
NAME = "storm *sea* [final](x) <b>.png"


def test_uploaded_png_becomes_the_selected_attempt(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=5&asset=Mara")
    panel = asset_panel(page, "Mara")
    expect(panel.get_by_text("No image yet")).to_be_visible(timeout=30_000)

    panel.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": NAME, "mimeType": "image/png", "buffer": png(77, (320, 240))}]
    )
    expect(button(panel, "Upload 1 file")).to_be_visible()
    click_and_wait(panel, "Upload 1 file")

    expect(panel.get_by_text(f"“{NAME}” stored as attempt #1", exact=False)).to_be_visible()
    expect(panel.get_by_text("Attempt #1", exact=True)).to_be_visible()
    expect(panel.get_by_text("Selected", exact=True)).to_be_visible()
    expect(panel.get_by_text("Uploaded", exact=True)).to_be_visible()
    # The uploader was emptied, so nothing can be sent twice.
    expect(button(panel, "Upload 1 file")).to_have_count(0)
