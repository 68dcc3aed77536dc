"""Hostile names in the real app (Chromium): every page shows them as typed, and no link or
image the page has came from data or from the URL.

The server's database holds the demo project and `tests.ui.hostile`'s project, whose project,
scene, asset names, description, prompt, file name, trash reason, reviewer name and job error
are Markdown/HTML meant to make links (`[x](https://evil.example)`), fetch images
(`![px](http://127.0.0.1:9/t.png)`, `<img src=x onerror=…>`), format, colour or typeset maths.
The app's own links stay on the app's origin and its images are its media files; the browser
never requests a hostile host.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from stage8.config import load_settings
from stage8.demo.seed import seed_demo
from stage8.desk import open_desk
from stage8.ui import state as keys
from tests.e2e.steps import by_key, by_key_prefix, goto_app, wait_for_app
from tests.ui import hostile

_LINKS_AND_IMAGES = """() => ({
    links: [...document.querySelectorAll('a[href]')].map(a => [a.href, a.outerHTML]),
    images: [...document.querySelectorAll('img')].map(i => [i.currentSrc || i.src, i.outerHTML]),
    made: [...document.querySelectorAll('[data-testid="stMarkdownContainer"] '
        + ':is(a, img, strong, em, code, del, .katex, span[style])')]
        .map(e => [e.tagName, e.textContent]),
})"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    """The embedded desk with the demo and the hostile project, made before the server starts."""
    home = tmp_path_factory.mktemp("stage8-hostile")
    with pytest.MonkeyPatch.context() as env:
        for name in ("STAGE8_DATABASE_URL", "STAGE8_STORAGE", "STAGE8_STORAGE_PATH"):
            env.delenv(name, raising=False)
        env.setenv("STAGE8_HOME", str(home))
        env.setenv("STAGE8_SECRETS_FILE", str(home / "no-secrets.toml"))
        desk = open_desk(load_settings())
        try:
            seed_demo(desk)
            world = hostile.build_hostile_project(desk)
        finally:
            desk.engine.dispose()
    return home, world


@pytest.fixture(scope="module")
def streamlit_home(seeded):
    return seeded[0]


@pytest.fixture(scope="module")
def world(seeded) -> hostile.HostileProject:
    return seeded[1]


# Words only the hostile data contains, and what its Markdown would make of it if it were live.
_DATA_WORDS = ("evil", "bold", "tick", "math", "px", "onerror", "prompt", "reason", "Hero", "Prop")
_FRAGMENTS = {"bold", "tick", "math", "a", "b", "x", "px"}


def loose(text: str) -> re.Pattern[str]:
    """`text` as typed, allowing the invisible word joiners the desk puts into bare URLs."""
    # `/` escaped too: Playwright hands the pattern to the browser as a /…/ literal.
    chars = (re.escape(c).replace("/", "\\/") for c in text)
    return re.compile("(?:\\u2060)?".join(chars))


@pytest.fixture(scope="module")
def streamlit_env() -> dict[str, str]:
    return {"STAGE8_APP_WORKER": "0"}  # the failed job stays failed; nothing runs


@pytest.fixture
def requests_seen(page) -> list[str]:
    """Every URL the browser asks for while the test runs."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _url(base: str, path: str, **params: str) -> str:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    return f"{base}/{path}" + (f"?{query}" if query else "")


def assert_nothing_from_data(page, base: str, requests_seen: list[str]) -> None:
    """Links stay on the app; images are the app's media; no request left for a hostile host."""
    wait_for_app(page)
    found = page.evaluate(_LINKS_AND_IMAGES)
    origin = urlsplit(base)
    for href, html in found["links"]:
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc), html
    for src, html in found["images"]:
        parts = urlsplit(src)
        own_media = (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc) and (
            parts.path.startswith("/media/") or parts.path.startswith("/static/")
        )
        assert own_media or parts.scheme == "data", html
    for url in requests_seen:
        host = urlsplit(url).netloc
        assert not any(bad in host for bad in hostile.FOREIGN_HOSTS), url
        assert urlsplit(url).path not in ("/x", "/t.png"), url
    # No Markdown element (link, image, bold, code, maths, colour) was made from data: a
    # link or image never carries data's words, and no element holds just a data fragment
    # (the desk's own bold may wrap a name, as on the trash cards).
    for tag, text in found["made"]:
        if tag in ("A", "IMG"):
            assert not any(word in text for word in _DATA_WORDS), (tag, text)
        assert text.strip() not in _FRAGMENTS, (tag, text)


_CHOSEN = """([selector, text]) => {
    const box = document.querySelector(selector);
    return !!box && (box.innerText.includes(text)
        || [...box.querySelectorAll('input')].some(i => i.value === text));
}"""
_SHOWS = """([selector, text]) => [...document.querySelectorAll(selector)].some(
    e => e.innerText.replaceAll('\\u2060', '').replace(/\\s+/g, ' ').includes(text))"""


def _choose(widget, typed: str) -> None:
    """Pick the option of a selectbox or multiselect that matches `typed`, as a keyboard user."""
    box = widget.get_by_role("combobox")
    box.click()
    box.press_sequentially(typed)
    box.press("Enter")
    wait_for_app(widget.page)


def visible(scope, text: str, selector: str = "[data-testid='stMain'], [role='listbox']") -> None:
    """`text` is on screen as typed (ignoring the invisible joiners that keep URLs unlinked)."""
    page = getattr(scope, "page", scope)
    page.wait_for_function(_SHOWS, arg=[selector, text], timeout=30_000)


def test_overview(page, streamlit_app, requests_seen):
    goto_app(page, _url(streamlit_app, ""))
    visible(page, hostile.PROJECT)
    visible(page, f"Scene 1: {hostile.SCENE_TITLE}")
    visible(page, f"{hostile.CHARACTER}, {hostile.PROP}")
    assert_nothing_from_data(page, streamlit_app, requests_seen)


def test_scene_page(page, streamlit_app, requests_seen, world):
    # The hostile character's full panel (`&asset=`), in place of its row on the contact sheet.
    url = _url(streamlit_app, "scene", scene="1", project=hostile.PROJECT, asset=hostile.CHARACTER)
    goto_app(page, url)
    visible(page, f"Scene 1: {hostile.SCENE_TITLE}")
    panel = by_key(page, keys.asset_box(world.hero))
    expect(panel.get_by_role("heading", name=loose(hostile.CHARACTER))).to_be_visible()
    for text in (hostile.DESCRIPTION, hostile.PROMPT, hostile.JOB_ERROR):
        expect(panel.get_by_text(loose(text)).first).to_be_visible()
    prop = by_key(page, keys.row_box(world.prop))  # the prop's compact row
    expect(prop.get_by_text(loose(hostile.PROP)).first).to_be_visible()
    panel.get_by_text("Decision history").click()
    expect(panel.get_by_text(loose(hostile.REASON)).first).to_be_visible()
    expect(panel.get_by_text(loose(hostile.ACTOR)).first).to_be_visible()
    assert_nothing_from_data(page, streamlit_app, requests_seen)
    # the uploaded attempt's file name, one step along the carousel
    attempts = by_key(page, keys.attempts_box(world.hero))
    attempts.get_by_role("button", name="▶").click()
    wait_for_app(page)
    expect(attempts.get_by_text(loose(hostile.FILENAME))).to_be_visible()
    # the bulk multiselect shows a chosen name as typed (options are plain text: no joiners);
    # it is in the scene bar's Bulk popover
    by_key(page, keys.SHEET_BULK).get_by_role("button").first.click()
    _choose(by_key_prefix(page, keys.BULK_ASSETS), "Hero")  # keyed per scene
    page.wait_for_function(
        _CHOSEN, arg=[f"[class*='st-key-{keys.BULK_ASSETS}']", hostile.CHARACTER]
    )
    assert_nothing_from_data(page, streamlit_app, requests_seen)


@pytest.mark.parametrize("reflected", [hostile.LINK, hostile.IMAGE, hostile.HTML])
def test_scene_page_reflects_the_project_parameter_inert(
    page, streamlit_app, requests_seen, reflected
):
    goto_app(page, _url(streamlit_app, "scene", scene="1", project=reflected))
    visible(page, f"There is no project named “{reflected}”")
    expect(page.get_by_role("link", name=loose(f"{hostile.PROJECT}: scene 1"))).to_be_visible()
    assert_nothing_from_data(page, streamlit_app, requests_seen)


def test_scene_page_without_a_project_offers_each_one(page, streamlit_app, requests_seen):
    goto_app(page, _url(streamlit_app, "scene", scene="1"))
    visible(page, "This desk has several projects")
    page.get_by_role("link", name=loose(f"{hostile.PROJECT}: scene 1")).click()
    wait_for_app(page)
    visible(page, f"Scene 1: {hostile.SCENE_TITLE}")
    assert_nothing_from_data(page, streamlit_app, requests_seen)


def test_trash_page(page, streamlit_app, requests_seen):
    goto_app(page, _url(streamlit_app, "trash"))
    visible(page, f"Scene 1 · {hostile.CHARACTER} #3")
    visible(page, hostile.REASON)
    assert_nothing_from_data(page, streamlit_app, requests_seen)


@pytest.mark.parametrize("path", ["export", "analytics", "storage"])
def test_other_pages(page, streamlit_app, requests_seen, path):
    goto_app(page, _url(streamlit_app, path))
    if path in ("export", "analytics"):
        key = keys.EXPORT_PROJECT if path == "export" else keys.ANALYTICS_PROJECT
        _choose(by_key(page, key), "Proj [x]")
        page.wait_for_function(_CHOSEN, arg=[f".st-key-{key}", hostile.PROJECT])
    assert_nothing_from_data(page, streamlit_app, requests_seen)
