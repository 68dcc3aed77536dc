"""Issue 12 item 7: the very first request after a fresh server start, to a page URL, with the
password gate on, shows only the gate (Streamlit would run a `pages/` script directly, without
app.py and its gate, until the root page had been opened once; the desk keeps pages elsewhere).

This module's server is started for it alone, so the request below is the server's first.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import goto_app

PASSWORD = "pässwörd"
SCENE_3_ASSETS = ("Mara", "The Stranger", "Harbour Town", "Old Tomas")


@pytest.fixture(scope="module")
def streamlit_env():
    return {"STAGE8_APP_PASSWORD": PASSWORD, "STAGE8_APP_WORKER": "0"}


def test_first_request_to_a_scene_url_shows_only_the_gate(page, streamlit_app):
    goto_app(page, f"{streamlit_app}/scene?scene=3")
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    body = page.locator('[data-testid="stApp"]').inner_text()
    for name in (*SCENE_3_ASSETS, "Demo", "Reviewer name", "Overview", "Trash"):
        assert name not in body, f"{name!r} shown before signing in:\n{body}"
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for name in SCENE_3_ASSETS:  # signed in, the same URL shows the scene's rows
        expect(page.get_by_text(name, exact=True).first).to_be_visible(timeout=30_000)
