"""Browser test of the review queue (issue 13 item 4): from Start, Next and a decision walk every
undecided instance of the demo project in queue order and end with "Nothing needs you"."""

from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.steps import button, by_key, goto_app, keys_ready, shown, wait_for_app

# The demo's undecided instances in queue order: scene, then characters, locations, props.
DEMO_UNDECIDED = [
    ("Scene 2: The harbour at dawn", "Harbour Town"),
    ("Scene 5: The storm breaks", "Mara"),
    ("Scene 5: The storm breaks", "The Stranger"),
    ("Scene 5: The storm breaks", "Storm Sea"),
]


def test_review_mode_walks_every_undecided_instance_in_order(page, streamlit_app):
    page.set_viewport_size({"width": 1280, "height": 800})
    goto_app(page, f"{streamlit_app}/queue")
    sidebar = by_key(page, keys.QUEUE_SIDEBAR)
    expect(sidebar.get_by_text("Review queue (4)")).to_be_visible(timeout=30_000)
    rows = by_key(page, keys.QUEUE_LIST).get_by_role("link", name="Open")
    expect(rows).to_have_count(4)
    # n (the keyboard layer) presses Start here, as it moves to the next item on the sheet.
    expect(button(page, "Start")).to_be_enabled()
    keys_ready(page)
    page.locator("body").press("n")
    wait_for_app(page)
    seen = []
    for position, (scene, asset) in enumerate(DEMO_UNDECIDED, start=1):
        item = by_key(page, keys.QUEUE_ITEM_BOX)
        expect(item.get_by_text(shown(scene))).to_be_visible()
        expect(item.get_by_role("heading", name=asset, exact=True)).to_be_visible()
        expect(page.get_by_text(f"Item 1 of {5 - position}", exact=True)).to_be_visible()
        seen.append((scene, asset))
        select = button(item, "Select this one")
        if select.count() and select.is_enabled():
            select.click()  # the attempt shown in the panel
        else:  # no attempt yet: use the master as-is
            item.get_by_text("Use master as-is").click()
        wait_for_app(page)
    assert seen == DEMO_UNDECIDED
    done = by_key(page, keys.QUEUE_DONE)
    expect(done.get_by_text("Nothing needs you", exact=False)).to_be_visible()
    expect(done.get_by_role("link", name="Back to the overview")).to_be_visible()
    expect(sidebar.get_by_text("Review queue (0)")).to_be_visible()
    expect(button(page, "Start")).to_be_disabled()
