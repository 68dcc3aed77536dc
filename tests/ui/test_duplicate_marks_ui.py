"""AppTest: an attempt flagged "same as #n" on arrival shows "≈#n" under its strip thumbnail
on the sheet and a "Same as #n" badge in the full panel's carousel."""

import io
import re

from PIL import Image

from stage8.db.finders import find_instance
from stage8.decisions.uploads import upload_images
from stage8.reads.board import load_panel
from stage8.ui import state as keys


def _look_alike(ui_desk, iid):
    """Upload a smaller JPEG of Mara's selected image; returns (its attempt, the original)."""
    original = load_panel(ui_desk, iid).selected
    data = ui_desk.store.get(original.image_key)
    im = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    im.resize((im.width * 3 // 4, im.height * 3 // 4)).save(out, format="JPEG", quality=70)
    report = upload_images(ui_desk, iid, [("again.jpg", out.getvalue())], actor="t", select="none")
    assert "looks the same as attempt" in report.results[0].message
    return report.results[0].attempt, original


def test_the_strip_and_the_carousel_say_which_attempt_it_looks_like(app, ui_desk):
    app(scene=3).run()  # seeds the demo
    with ui_desk.tx() as s:
        iid = find_instance(s, None, 3, "Mara").id
    copy, original = _look_alike(ui_desk, iid)
    at = app(scene=3).run()
    assert not at.exception
    [line] = [m.value for m in at.markdown if "≈#" in m.value]  # the strip's marks
    cells = dict(re.findall(r'data-attempt="(\d+)">(.*?)</span>(?=<span class="s8-cell"|$)', line))
    # Under the copy only, never under the original.
    assert cells[str(copy.attempt_number)].endswith(f"≈#{original.attempt_number}</span>")
    assert [n for n, marks in cells.items() if "≈#" in marks] == [str(copy.attempt_number)]
    [thumb] = [b for b in at.button if b.key == keys.row_show(iid, copy.id)]
    assert f"looks the same as #{original.attempt_number}" in thumb.help
    untouched = [b for b in at.button if b.key == keys.row_show(iid, original.id)]
    assert "looks the same" not in untouched[0].help
    panel = app(scene=3, asset="Mara").run()
    jump = keys.carousel_jump(keys.attempts_carousel(iid), copy.id)
    next(b for b in panel.button if b.key == jump).click().run()
    assert not panel.exception
    badge = f":orange-badge[Same as #{original.attempt_number}]"
    assert any(badge in m.value for m in panel.markdown)
