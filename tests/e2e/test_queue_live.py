"""The review queue follows changes made elsewhere (issue 14 item 4): with the queue open in
Chromium, the command line (another process on the same embedded database) uses the master
as-is for an undecided asset; within a few seconds, without a reload, the item leaves the list
and the counts go down."""

from __future__ import annotations

from playwright.sync_api import expect

from stage8.ui import state as keys
from tests.e2e.conftest import run_cli
from tests.e2e.steps import by_key, goto_app

LIVE = 8_000  # ms: the poll runs every 2.5 s; a change shows within about 5 s


def test_the_queue_drops_an_item_decided_in_another_process(page, streamlit_app, streamlit_home):
    page.set_viewport_size({"width": 1280, "height": 800})
    goto_app(page, f"{streamlit_app}/queue")
    rows = by_key(page, keys.QUEUE_LIST).get_by_role("link", name="Open")
    expect(rows).to_have_count(4, timeout=30_000)
    page.evaluate("() => { window.stage8NoReload = true; }")  # gone if the page reloads

    home = {"STAGE8_HOME": str(streamlit_home)}
    run_cli(home, "use-master", "--scene", "2", "--asset", "Harbour Town", "--actor", "ana")

    expect(rows).to_have_count(3, timeout=LIVE)
    expect(by_key(page, keys.QUEUE_LIST).get_by_text("Harbour Town")).to_have_count(0)
    sidebar = by_key(page, keys.QUEUE_SIDEBAR)
    expect(sidebar.get_by_text("Review queue (3)")).to_be_visible(timeout=LIVE)
    assert page.evaluate("() => window.stage8NoReload === true")
