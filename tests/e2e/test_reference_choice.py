"""Browser test (1280×800): "Follow the default" in the reference chain (issue 13 item 6)."""

import os

from playwright.sync_api import expect

from tests.e2e.steps import asset_panel, button, by_key_prefix, click_and_wait, goto_app

LAPTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("STAGE8_SHOTS")  # a folder to keep screenshots in, when set


def _shot(page, locator, name: str) -> None:
    if SHOTS:
        locator.screenshot(path=os.path.join(SHOTS, name))


def test_choose_scene_1_then_follow_the_default(page, streamlit_app):
    page.set_viewport_size(LAPTOP)
    goto_app(page, f"{streamlit_app}/scene?scene=3&asset=Mara")  # Mara's full panel
    panel = asset_panel(page, "Mara")
    ref = by_key_prefix(panel, "reference_box_")
    chain = by_key_prefix(panel, "ref_chain_")
    expect(chain.get_by_text("Default", exact=True)).to_be_visible(timeout=30_000)
    expect(button(ref, "Follow the default")).to_have_count(0)
    click_and_wait(ref, "◀")
    button(ref, "Use this reference").click()
    expect(ref.get_by_text("Chosen by a reviewer: Scene 1.")).to_be_visible()
    expect(chain.get_by_text("Chosen", exact=True)).to_be_visible()
    _shot(page, ref, "reference-chosen.png")
    button(ref, "Follow the default").click()
    expect(ref.get_by_text("Following the default: Scene 2.")).to_be_visible()
    expect(chain.get_by_text("Chosen", exact=True)).to_have_count(0)
    # The default mark and the in-use mark sit on the same entry: Scene 2.
    expect(chain.get_by_text("Default", exact=True)).to_be_visible()
    expect(chain.get_by_text("In use", exact=True)).to_be_visible()
    expect(button(ref, "Follow the default")).to_have_count(0)
    _shot(page, panel, "panel-following-default.png")
