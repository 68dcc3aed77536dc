"""Browser test (issue 15): on the real contact sheet at 1280x800, continuity badges on the
strip, the drift flag of a deliberately different upload (made through the full panel's
uploader), a reason given from the keyboard right after x (recorded on that decision's event and
shown in the full panel's decision history), and a digit that rates the shown attempt."""

import io
import re
import time

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select

from stage8.config import load_settings
from stage8.db.finders import find_instance
from stage8.db.models import DecisionEvent
from stage8.desk import open_desk
from stage8.reads.board import load_panel
from stage8.ui import state as keys
from tests.e2e.steps import (
    asset_panel,
    button,
    by_key,
    click_and_wait,
    goto_app,
    keys_ready,
    wait_for_app,
)

LAPTOP = {"width": 1280, "height": 800}
_FOCUSED_JS = "() => window.stage8Keys && window.stage8Keys.focusedRow()"


@pytest.fixture
def app_desk(streamlit_app, streamlit_home, monkeypatch, tmp_path):
    """The app server's own desk (same database and store), opened in the test process."""
    for name in ("STAGE8_DATABASE_URL", "STAGE8_STORAGE", "STAGE8_STORAGE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE8_HOME", str(streamlit_home))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "none.toml"))
    return open_desk(load_settings(), run_migrations=False)


def _stranger() -> bytes:
    """A pattern nothing like the demo's characters: black, with yellow and cyan bars."""
    im = Image.new("RGB", (480, 360), (8, 8, 8))
    draw = ImageDraw.Draw(im)
    for x in range(0, 480, 60):
        draw.rectangle([x, 0, x + 24, 360], fill=(255, 235, 0) if x % 120 else (0, 220, 255))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _marks(page, iid):
    """The marks of each thumbnail in the row's strip (one cell per attempt)."""
    return by_key(page, keys.row_marks(iid)).locator(".s8-cell")


def _wait_for_badges(page, url, iid, timeout=90.0):
    """The app's worker scores the demo's attempts off the request path: reload until it has."""
    deadline = time.monotonic() + timeout
    while True:
        goto_app(page, url)
        if _marks(page, iid).filter(has_text=re.compile(r"\d")).count():
            return
        assert time.monotonic() < deadline, "no continuity badge on the sheet"
        page.wait_for_timeout(1000)


def _newest(desk, iid, kind):
    with desk.read() as s:
        return s.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.instance_id == iid, DecisionEvent.kind == kind)
            .order_by(DecisionEvent.id.desc())
            .limit(1)
        ).one_or_none()


def test_badges_drift_a_reason_after_x_and_a_rating_by_digit(page, streamlit_app, app_desk):
    page.set_viewport_size(LAPTOP)
    sheet = f"{streamlit_app}/scene?scene=3"
    goto_app(page, sheet)  # the first request seeds the demo
    with app_desk.read() as s:
        mara = find_instance(s, None, 3, "Mara").id

    # 1. Continuity badges on the strip.
    _wait_for_badges(page, sheet, mara)
    expect(_marks(page, mara).filter(has_text=re.compile(r"^\d+$")).first).to_be_visible()

    # 2. A deliberately different upload, through the full panel's uploader, is flagged drift.
    goto_app(page, f"{sheet}&asset=Mara")
    panel = asset_panel(page, "Mara")
    panel.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "stranger.png", "mimeType": "image/png", "buffer": _stranger()}]
    )
    expect(button(panel, "Upload 1 file")).to_be_visible()
    click_and_wait(panel, "Upload 1 file")
    click_and_wait(page, "Back to the sheet")
    row = by_key(page, keys.row_box(mara))
    expect(row.get_by_text(re.compile(r"^\d+ drift$")).first).to_be_visible()
    expect(row.get_by_text("selected drifts")).to_be_visible()  # the upload was selected

    # 3. x on the row, then a digit: the reason goes on that trash decision's event.
    keys_ready(page)
    by_key(page, keys.row_box(mara)).get_by_text("Mara", exact=True).click()
    page.wait_for_function(f"() => ({_FOCUSED_JS})() === '{mara}'")
    page.keyboard.press("ArrowLeft")  # show the attempt before the selected upload
    wait_for_app(page)
    shown_before = len(load_panel(app_desk, mara).attempts)
    page.keyboard.press("x")
    wait_for_app(page)
    bar = by_key(page, keys.row_why(mara))
    expect(bar).to_be_visible()
    expect(bar.get_by_text("Why this move to the trash?")).to_be_visible()
    trash = _newest(app_desk, mara, "trash")
    assert trash is not None and trash.reason_code is None
    assert len(load_panel(app_desk, mara).attempts) == shown_before - 1
    page.keyboard.press("2")
    wait_for_app(page)
    expect(bar).to_have_count(0)
    codes = app_desk.settings.reason_codes
    recorded = _newest(app_desk, mara, "trash")
    assert (recorded.id, recorded.reason_code) == (trash.id, codes[1])

    # 4. With no bar open, a digit rates the shown attempt (the selected upload again).
    page.keyboard.press("4")
    wait_for_app(page)
    stars = by_key(page, keys.row_stars(mara))
    four = stars.get_by_role("radio", name="4 out of 5 stars")
    expect(four).to_have_attribute("aria-checked", "true")
    panel_data = load_panel(app_desk, mara)
    assert panel_data.ratings == {panel_data.selected.id: 4}

    # 5. The full panel's decision history shows the reason.
    goto_app(page, f"{sheet}&asset=Mara")
    panel = asset_panel(page, "Mara")
    panel.get_by_text("Decision history").click()
    expect(panel.get_by_text(f"why: {codes[1]}", exact=False).first).to_be_visible()
