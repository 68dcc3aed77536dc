"""AppTest: the sheet's strip shows each attempt's continuity score, a drift flag on a
deliberately different upload, and ratings."""

import io
import re

from PIL import Image, ImageDraw

from stage8.db.finders import find_instance
from stage8.decisions import continuity
from stage8.decisions.ratings import rate_attempt
from stage8.decisions.uploads import upload_images
from stage8.reads.board import load_panel

BADGE = re.compile(r'<span class="s8-(score|drift)">(\d+)( drift)?</span>')


def _stranger() -> bytes:
    im = Image.new("RGB", (320, 240), (10, 10, 10))
    ImageDraw.Draw(im).rectangle([20, 20, 90, 220], fill=(255, 240, 0))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def test_strip_badges_follow_the_stored_scores_and_flag_drift(app, ui_desk):
    at = app(scene=3).run()  # seeds the demo
    with ui_desk.tx() as s:
        iid = find_instance(s, None, 3, "Mara").id
    continuity.backfill(ui_desk)
    report = upload_images(ui_desk, iid, [("stranger.png", _stranger())], actor="t", select="none")
    stranger = report.results[0].attempt.id
    first = load_panel(ui_desk, iid).attempts[0].id
    rate_attempt(ui_desk, first, 4, actor="t")
    panel = load_panel(ui_desk, iid)
    assert panel.continuity[stranger] < ui_desk.settings.drift_below
    at = app(scene=3).run()
    assert not at.exception
    found = [
        (m.group(1), int(m.group(2)), bool(m.group(3)))
        for md in at.markdown
        for m in BADGE.finditer(md.value)
    ]
    expected = sorted(
        (
            "drift" if s < ui_desk.settings.drift_below else "score",
            s,
            s < ui_desk.settings.drift_below,
        )
        for s in (panel.continuity[a.id] for a in panel.attempts if a.id in panel.continuity)
    )
    assert ("drift", panel.continuity[stranger], True) in found
    assert sorted(f for f in found if f in expected) == expected
    assert any("★4" in md.value for md in at.markdown)
