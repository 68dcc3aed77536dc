"""How fast a reviewer decides a scene: the real app in headless Chromium at 1280×800.

For the demo's scene 3 (4 assets) and a generated scene of 30 assets × 8 attempts (built in a
temporary STAGE8_HOME with `tests.bulk_fixtures`), it prints:

- screens of scrolling to see every asset (the scrolled height / the visible height; Streamlit
  scrolls its main section, not the window);
- interactions per decision, by mouse (clicks, plus one scroll whenever the next control is off
  screen) and by keyboard (key presses, on the contact sheet only), each decision checked in the
  database (the selected attempt changed);
- whether the viewport moved after an action (count of actions after which it did);
- the time from a click on Select to the page being idle again (median of several), and its
  ratio 30-asset / 4-asset scene (a click should rerun only its row: aim ≤ 1.3).

It works on the contact sheet (rows keyed `row_<id>`, see `stage8/ui/state.py`) and on the
older page of asset panels (`asset_<id>`), whichever the app shows. Usage:

    .venv/bin/python benchmarks/review_speed.py [--json] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VIEWPORT = {"width": 1280, "height": 800}
_PLACE_JS = """() => [window.scrollY,
    document.querySelector('[data-testid="stMain"]').scrollTop]"""
_SCREENS_JS = """() => { const m = document.querySelector('[data-testid="stMain"]');
    return m.scrollHeight / m.clientHeight; }"""
_IDS_JS = """re => [...document.querySelectorAll('[class*="st-key-"]')].flatMap(el =>
    [...el.classList].map(c => (c.match(new RegExp(re)) || [])[1]).filter(Boolean))"""
# Stamps when the app goes back to "notRunning" after a click (performance.now(), ms).
_TIMED_CLICK_JS = """sel => new Promise(done => {
    const app = document.querySelector('[data-testid="stApp"]');
    const button = document.querySelector(sel);
    let ran = false;
    const start = performance.now();
    const watch = new MutationObserver(() => {
        const state = app.getAttribute('data-test-script-state');
        if (state === 'running') ran = true;
        if (ran && state === 'notRunning') { watch.disconnect(); done(performance.now() - start); }
    });
    watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    button.click();
})"""


_DESK = []  # the benchmark's own desk on the app's database (reads the selections)


def build(home: str) -> tuple[str, str]:
    """The demo (scene 3) and a 30×8 project in `home`; their scene URLs' query strings."""
    # Imported here, after the repository root is on sys.path (as in every benchmark).
    from stage8.config import load_settings
    from stage8.demo.seed import DEMO_PROJECT, seed_demo_if_empty
    from stage8.desk import open_desk
    from tests.bulk_fixtures import build_scene

    os.environ["STAGE8_HOME"] = home
    desk = open_desk(load_settings())
    seed_demo_if_empty(desk)
    build_scene(desk, "Bench 30x8", 30, 8)
    _DESK.append(desk)
    return f"scene=3&project={DEMO_PROJECT}", "scene=1&project=Bench 30x8"


def selected(instance_id: int) -> int | None:
    from stage8.db.models import SceneAssetInstance  # after sys.path has the repository root

    with _DESK[0].read() as session:
        return session.get(SceneAssetInstance, instance_id).selected_attempt_id


class Layout:
    """Where a scene's controls are: the contact sheet's rows, else today's asset panels."""

    def __init__(self, page) -> None:
        from stage8.ui import state as keys  # after sys.path has the repository root

        self.keys = keys
        self.sheet = bool(page.evaluate(_IDS_JS, r"^st-key-row_(\d+)$"))
        pattern = r"^st-key-row_(\d+)$" if self.sheet else r"^st-key-asset_(\d+)$"
        self.ids = [int(i) for i in dict.fromkeys(page.evaluate(_IDS_JS, pattern))]

    def next_key(self, iid: int) -> str:
        k = self.keys
        return k.row_next(iid) if self.sheet else k.carousel_next(k.attempts_carousel(iid))

    def prev_key(self, iid: int) -> str:
        k = self.keys
        return k.row_prev(iid) if self.sheet else k.carousel_prev(k.attempts_carousel(iid))

    def show_other(self, page, iid: int):
        """The enabled one of ▶ / ◀ (the strip does not wrap around)."""
        for key in (self.next_key(iid), self.prev_key(iid)):
            found = _button(page, key)
            if found.count() and not found.is_disabled():
                return found
        return None  # one attempt only, or the asset's controls are not drawn

    def select_key(self, iid: int) -> str:
        return self.keys.row_select(iid) if self.sheet else self.keys.select_button(iid)


def _button(page, key: str):
    return page.locator(f".st-key-{key} button").first


def _on_screen(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"]


def decide_by_mouse(page, layout: Layout, wait) -> dict:
    """Show the next attempt and select it, for every asset, by mouse."""
    clicks = scrolls = moved = decisions = 0
    for iid in layout.ids:
        before = selected(iid)
        for target in (layout.show_other(page, iid), _button(page, layout.select_key(iid))):
            if target is None or target.count() == 0 or target.is_disabled():
                continue
            if not _on_screen(page, target):
                target.scroll_into_view_if_needed()
                scrolls += 1
            place = page.evaluate(_PLACE_JS)
            target.click()
            clicks += 1
            wait(page)
            moved += page.evaluate(_PLACE_JS) != place
        decisions += selected(iid) != before
    return {"clicks": clicks, "scrolls": scrolls, "decisions": decisions, "moved": moved}


def decide_by_keyboard(page, layout: Layout, wait) -> dict | None:
    """→ (or ←) then s on each row, j to the next row (the contact sheet only)."""
    if not layout.sheet:
        return None
    presses = moved = decisions = 0
    for n, iid in enumerate(layout.ids):
        if n:
            page.keyboard.press("j")
            presses += 1
        before = selected(iid)
        # → shows the next attempt; at the end of the strip (no next), ← the previous one.
        ahead = _button(page, layout.next_key(iid))
        arrow = "ArrowRight" if ahead.count() and not ahead.is_disabled() else "ArrowLeft"
        for key in (arrow, "s"):
            place = page.evaluate(_PLACE_JS)
            page.keyboard.press(key)
            presses += 1
            wait(page)
            moved += page.evaluate(_PLACE_JS) != place
        decisions += selected(iid) != before
    return {"presses": presses, "decisions": decisions, "moved": moved}


def select_time(page, layout: Layout, wait, repeat: int) -> float:
    """Median ms from a click on Select (after showing another attempt) to the page idle, on
    the first asset that has more than one attempt."""
    iid = next(i for i in layout.ids if layout.show_other(page, i) is not None)
    times = []
    for _ in range(repeat):
        layout.show_other(page, iid).click()
        wait(page)
        times.append(page.evaluate(_TIMED_CLICK_JS, f".st-key-{layout.select_key(iid)} button"))
        wait(page)
    return statistics.median(times)


def _all_rows_drawn(page) -> None:
    """The app is idle before every row fragment has drawn its controls: wait for each row's
    Select button (the older page of panels has none of these rows, and passes at once)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll('[class*="st-key-row_"]')]
            .filter(el => [...el.classList].some(c => /^st-key-row_\\d+$/.test(c)))
            .every(row => row.querySelector('[class*="_select"] button'))""",
        timeout=120_000,
    )


def measure(browser, base_url: str, query: str, repeat: int) -> dict:
    from tests.e2e.steps import goto_app, wait_for_app  # after sys.path has the repository root

    page = browser.new_page(viewport=VIEWPORT)
    print(f"measuring {query}", file=sys.stderr)
    goto_app(page, f"{base_url}/scene?{query}", timeout=120_000)
    _all_rows_drawn(page)
    layout = Layout(page)
    result = {
        "layout": "contact sheet" if layout.sheet else "asset panels",
        "assets": len(layout.ids),
        "screens": round(page.evaluate(_SCREENS_JS), 2),
        "select_ms": round(select_time(page, layout, wait_for_app, repeat), 1),
    }
    mouse = decide_by_mouse(page, layout, wait_for_app)
    per = (mouse["clicks"] + mouse["scrolls"]) / max(mouse["decisions"], 1)
    result["mouse"] = {**mouse, "per_decision": round(per, 2)}
    print("  by keyboard", file=sys.stderr)
    # A fresh tab: the layer remembers the focused row per tab, and the pass starts at the top.
    page.close()
    page = browser.new_page(viewport=VIEWPORT)
    goto_app(page, f"{base_url}/scene?{query}", timeout=120_000)
    _all_rows_drawn(page)
    keyboard = decide_by_keyboard(page, Layout(page), wait_for_app)
    if keyboard is not None:
        keyboard["per_decision"] = round(keyboard["presses"] / max(keyboard["decisions"], 1), 2)
    result["keyboard"] = keyboard
    page.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeat", type=int, default=5, help="timed selects per scene")
    args = parser.parse_args()
    os.chdir(ROOT)
    home = tempfile.mkdtemp(prefix="stage8-review-speed-")
    demo, big = build(home)

    # After build(): the app server must start on the database it made.
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path, serve_script

    run_dir = Path(home) / "run"
    run_dir.mkdir()
    with (
        serve_script("app.py", run_dir, {"STAGE8_HOME": home}, "") as base_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        figures = {
            "demo scene 3": measure(browser, base_url, demo, args.repeat),
            "30 assets x 8 attempts": measure(browser, base_url, big, args.repeat),
        }
        browser.close()
    small, large = figures["demo scene 3"], figures["30 assets x 8 attempts"]
    figures["select_ratio_30_to_4"] = round(large["select_ms"] / small["select_ms"], 2)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for name, f in figures.items():
        if not isinstance(f, dict):
            continue
        keys_text = (
            f"{f['keyboard']['per_decision']} keys/decision, viewport moved "
            f"{f['keyboard']['moved']}×"
            if f["keyboard"]
            else "no keyboard (no contact sheet)"
        )
        print(
            f"{name} ({f['layout']}, {f['assets']} assets): {f['screens']} screens; mouse "
            f"{f['mouse']['per_decision']} interactions/decision, viewport moved "
            f"{f['mouse']['moved']}×; {keys_text}; select {f['select_ms']} ms"
        )
    print(f"select time 30 assets / 4 assets: {figures['select_ratio_30_to_4']}×")


if __name__ == "__main__":
    sys.exit(main())
