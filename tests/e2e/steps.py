"""A browser test's steps in the user's words, in the spirit of Streamlit's own e2e helpers
(`e2e_playwright/shared/app_utils.py`): open the app, wait for it to be idle, find an element
by its Streamlit key, click a button by its label and wait for the rerun.

    from stage8.ui import state as keys
    from tests.e2e.steps import by_key, click_and_wait, goto_app

    goto_app(page, f"{streamlit_app}/scene?scene=1")
    panel = by_key(page, keys.attempts_box(1))
    click_and_wait(panel, "Select this one")

Keys are the ones the app uses (`stage8.ui.state`); Streamlit gives every keyed element the
class `st-key-<key>`.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from stage8.ui import state

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

_IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return false;
    if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
    if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    // Widgets are lazy-loaded code chunks: a fresh page shows skeletons until they arrive.
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    const running = document.querySelector(
        '[data-testid="stStatusWidget"], [data-testid="stStatusWidgetRunningIcon"]');
    return !(running && running.getClientRects().length > 0);
}"""


def wait_for_app(page: Page, timeout: float = 30_000, settle: float = 150) -> None:
    """Wait until the Streamlit app is idle: connected, script finished, no running indicator.

    Call it after `page.goto(...)` and after every action that makes Streamlit rerun (click,
    fill + Enter, ...). `settle` (ms) is waited first so a rerun started by the last action has
    begun, and the idle state must hold on two checks in a row (like Streamlit's own e2e suite,
    which waits for `data-test-script-state="notRunning"` on `stApp`). Idle also means no
    skeleton left: a fresh page draws each widget kind as a skeleton until its lazily loaded
    code arrives, and the layout moves when it does.
    """
    page.wait_for_timeout(settle)
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while True:
        remaining = max(deadline - time.monotonic(), 0.001) * 1000
        page.wait_for_function(_IDLE_JS, timeout=remaining, polling=50)
        page.wait_for_timeout(100)
        if page.evaluate(_IDLE_JS):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"Streamlit app did not become idle within {timeout} ms")


def goto_app(page: Page, url: str, timeout: float = 30_000) -> None:
    """Open `url` (the base URL plus a page path / query string) and wait until the app is idle."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout)
    wait_for_app(page, timeout=timeout)


def keys_ready(page: Page, timeout: float = 30_000) -> None:
    """Wait until the keyboard layer (stage8/ui/keyboard.js) is installed and this page holds its
    container, so a key pressed next is handled (st.html runs the script after the page draws)."""
    page.wait_for_function(
        "() => window.stage8Keys !== undefined"
        f" && document.querySelector('.st-key-{state.KEYBOARD_LAYER}') !== null",
        timeout=timeout,
    )


def by_key(scope: Page | Locator, key: str) -> Locator:
    """The element the app created with `key=key` (Streamlit marks it `st-key-<key>`)."""
    return scope.locator(f".st-key-{key}")


def by_key_prefix(scope: Page | Locator, prefix: str) -> Locator:
    """Every keyed element whose key starts with `prefix` (e.g. each asset panel)."""
    return scope.locator(f"[class*='st-key-{prefix}']")


def asset_panel(page: Page, asset: str) -> Locator:
    """The panel of the asset named `asset` on the scene page (found by its heading)."""
    return by_key_prefix(page, "asset_").filter(
        has=page.get_by_role("heading", name=asset, exact=True)
    )


def button(scope: Page | Locator, label: str) -> Locator:
    return scope.get_by_role("button", name=label, exact=True)


def click_and_wait(scope: Page | Locator, label: str, page: Page | None = None) -> None:
    """Click the button labelled `label` inside `scope` and wait for the app's rerun."""
    button(scope, label).click()
    wait_for_app(page or _page_of(scope))


def _page_of(scope: Page | Locator) -> Page:
    return getattr(scope, "page", scope)  # a Locator knows its page; a Page is one


def shown(text: str) -> re.Pattern[str]:
    """A pattern for `text` as the desk shows data: stage8.ui.text.inert puts an invisible word
    joiner (U+2060) after '@', '://' and 'www' so bare addresses never become links."""
    pattern = re.escape(text)
    for mark in ("@", r"://", "www"):
        pattern = pattern.replace(re.escape(mark), re.escape(mark) + "\u2060?")
    return re.compile(pattern)
