"""The browser half of `benchmarks/scene_page.py`: first visits of a scene page in headless
Chromium (Debian /usr/bin/chromium through Playwright, launched as `tests/e2e` does).

Each visit gets a fresh browser context (empty cache). Measured: ms from navigation to the app
`notRunning` with every row of the page drawn, ms to the last image loaded, image bytes and
requests (Resource Timing entries of <img> loads; the fonts under /static/media/ are not
images), DOM nodes, WebSocket frames until ready, and the renderer's main-thread time (Chrome
DevTools Protocol `Performance.getMetrics`).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

from playwright.sync_api import sync_playwright

from stage8.ui.contact_sheet import PAGE_SIZE
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path, serve_script

VIEWPORT = {"width": 1280, "height": 800}
# Every row of the page has drawn its Select button and the app is idle: performance.now().
_READY_JS = """rows => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const drawn = [...document.querySelectorAll('[class*="st-key-row_"]')]
        .filter(el => [...el.classList].some(c => /^st-key-row_\\d+$/.test(c)))
        .filter(row => row.querySelector('[class*="_select"] button'));
    return drawn.length >= rows && performance.now();
}"""
# Every <img> that the browser is loading (not a lazy one still waiting off screen) has loaded.
_IMAGES_DONE_JS = """() => [...document.images].every(img =>
    img.complete || (img.loading === 'lazy' && img.getBoundingClientRect().top > innerHeight))"""
# Images only: Streamlit's fonts are served under /static/media/ too (about 635 KB, not counted).
_IMAGE_ENTRIES_JS = """() => performance.getEntriesByType('resource')
    .filter(e => e.initiatorType === 'img' && !e.name.startsWith('data:'))
    .map(e => [e.name, e.responseEnd, e.encodedBodySize])"""
_PAGE_FIGURES_JS = """() => ({nodes: document.getElementsByTagName('*').length,
    images: document.images.length,
    lazy: [...document.images].filter(i => i.loading === 'lazy').length})"""


def spread(values: list[float]) -> dict[str, float]:
    return {"min": round(min(values), 2), "median": round(statistics.median(values), 2)}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_page(browser, url: str, rows: int) -> dict:
    """One first visit (fresh context, empty cache) of a scene page, and what it cost."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script("performance.setResourceTimingBufferSize(100000)")
    frames = Counter()

    def on_socket(socket) -> None:
        socket.on("framereceived", lambda _f: frames.update(["received"]))
        socket.on("framesent", lambda _f: frames.update(["sent"]))

    page.on("websocket", on_socket)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.goto(url, wait_until="commit", timeout=300_000)
    ready = page.wait_for_function(_READY_JS, arg=rows, polling="raf", timeout=300_000)
    ready_ms = ready.json_value()
    at_ready = frames.total()
    page.wait_for_function(_IMAGES_DONE_JS, polling=100, timeout=300_000)
    entries = page.evaluate(_IMAGE_ENTRIES_JS)
    while True:  # until no new image request for half a second
        page.wait_for_timeout(500)
        later = page.evaluate(_IMAGE_ENTRIES_JS)
        if len(later) == len(entries):
            break
        entries = later
    figures = page.evaluate(_PAGE_FIGURES_JS)
    # The renderer's main-thread work (seconds, cumulative): where the browser's time goes.
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    context.close()
    return {
        "ready_ms": ready_ms,
        "images_ms": max([ready_ms, *(e[1] for e in entries)]),
        "image_bytes": sum(e[2] for e in entries),
        "image_requests": len(entries),
        "dom_nodes": figures["nodes"],
        "img_elements": figures["images"],
        "lazy_img": figures["lazy"],
        "ws_frames_to_ready": at_ready,
        "main_thread_ms": {
            name: round(metrics.get(metric, 0) * 1000)
            for name, metric in (
                ("task", "TaskDuration"),
                ("script", "ScriptDuration"),
                ("layout", "LayoutDuration"),
                ("style", "RecalcStyleDuration"),
            )
        },
    }


def measure_browser(env: dict[str, str], scenes: dict[int, int], repeat: int) -> dict[int, dict]:
    """First visits of each scene ({assets: scene number}) on an app server started with `env`,
    rounds interleaved; per scene size the min and median of the rounds."""

    run_dir = Path(tempfile.mkdtemp(prefix="stage8-scenebench-run-"))
    loads: dict[int, list[dict]] = {size: [] for size in scenes}
    with serve_script("app.py", run_dir, env, "") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        # Warm the server (imports, the desk, the renditions' cache): the first page of every
        # scene shows the same assets, so one visit to the largest warms them all.
        load_page(browser, f"{base}/scene?scene={scenes[max(scenes)]}&project=Scene bench", 1)
        for round_ in range(repeat):
            log(f"  browser round {round_ + 1}/{repeat}")
            for size, number in scenes.items():
                url = f"{base}/scene?scene={number}&project=Scene bench"
                loads[size].append(load_page(browser, url, min(size, PAGE_SIZE)))
        browser.close()
    out = {}
    for size, runs in loads.items():
        last = runs[-1]
        out[size] = {
            "ready_ms": spread([r["ready_ms"] for r in runs]),
            "images_ms": spread([r["images_ms"] for r in runs]),
            "image_bytes": int(statistics.median(r["image_bytes"] for r in runs)),
            "image_requests": last["image_requests"],
            "img_elements": last["img_elements"],
            "lazy_img": last["lazy_img"],
            "dom_nodes": last["dom_nodes"],
            "ws_frames_to_ready": int(statistics.median(r["ws_frames_to_ready"] for r in runs)),
            "main_thread_ms": min((r["main_thread_ms"] for r in runs), key=lambda m: m["task"]),
        }
    return out
