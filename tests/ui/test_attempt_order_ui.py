"""AppTest: the scene page's "Order" control orders the sheet's strips and the full panel's
carousel by continuity (best first, unscored last) or by attempt number (the default); the
choice stays for the session; the page's query count does not grow with the scene."""

import io

from PIL import Image, ImageDraw

from stage8.db.finders import find_instance, find_project
from stage8.decisions import continuity
from stage8.decisions.uploads import upload_images
from stage8.reads.board import load_panel
from stage8.ui import state as keys
from tests.builders import add_generated
from tests.bulk_fixtures import build_scene
from tests.ui.helpers import queries_of_a_run


def _stranger() -> bytes:
    im = Image.new("RGB", (320, 240), (10, 10, 10))
    ImageDraw.Draw(im).rectangle([20, 20, 90, 220], fill=(255, 240, 0))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _mara(ui_desk):
    """Scene 3's Mara with scored attempts, a drifting upload and one unscored attempt."""
    with ui_desk.tx() as s:
        iid = find_instance(s, None, 3, "Mara").id
        project_id = find_project(s, None).id
    continuity.backfill(ui_desk)
    upload_images(ui_desk, iid, [("stranger.png", _stranger())], actor="t", select="none")
    unscored = add_generated(ui_desk, iid, project_id, 77, select=False).attempt
    return iid, load_panel(ui_desk, iid), unscored


def _strip(at, prefix: str) -> list[int]:
    """Attempt ids of the buttons whose key starts with `prefix`, in page order."""
    return [int(b.key.rsplit("_", 1)[1]) for b in at.button if (b.key or "").startswith(prefix)]


def _by_continuity(panel, unscored_id: int) -> list[int]:
    scored = sorted(
        (a for a in panel.attempts if a.id in panel.continuity),
        key=lambda a: (-panel.continuity[a.id], a.attempt_number),
    )
    assert unscored_id not in panel.continuity
    return [a.id for a in scored] + [unscored_id]


def test_the_order_control_orders_the_strip_and_stays(app, ui_desk):
    app(scene=3).run()  # seeds the demo
    iid, panel, unscored = _mara(ui_desk)
    at = app(scene=3).run()
    assert not at.exception
    by_number = [a.id for a in panel.attempts]
    strip = f"row_{iid}_show_"
    assert len(by_number) <= 8  # the whole strip is on screen: no window to account for
    assert _strip(at, strip) == by_number
    [control] = [c for c in at.segmented_control if c.key == keys.ATTEMPT_ORDER]
    assert control.value == "number"
    control.set_value("continuity").run()
    assert not at.exception
    expected = _by_continuity(panel, unscored.id)
    assert expected != by_number  # the drifting upload is no longer in its number's place
    assert _strip(at, strip) == expected
    at.run()  # a rerun keeps the choice
    assert _strip(at, strip) == expected
    [control] = [c for c in at.segmented_control if c.key == keys.ATTEMPT_ORDER]
    control.set_value("number").run()
    assert _strip(at, strip) == by_number


def test_the_full_panel_carousel_follows_the_same_order(app, ui_desk):
    app(scene=3).run()
    iid, panel, unscored = _mara(ui_desk)
    at = app(scene=3, asset="Mara").run()
    jump = keys.carousel_jump(keys.attempts_carousel(iid), 0)[:-1]
    assert _strip(at, jump) == [a.id for a in panel.attempts]
    [control] = [c for c in at.segmented_control if c.key == keys.ATTEMPT_ORDER]
    control.set_value("continuity").run()
    assert not at.exception
    assert _strip(at, jump) == _by_continuity(panel, unscored.id)


def test_ordering_by_continuity_costs_no_query_per_asset(app, ui_desk):
    build_scene(ui_desk, "Small", assets=5, attempts=8)
    build_scene(ui_desk, "Large", assets=50, attempts=8)
    counts = {}
    for name in ("Small", "Large"):
        at = app(scene=1, project=name)
        at.run()
        [control] = [c for c in at.segmented_control if c.key == keys.ATTEMPT_ORDER]
        control.set_value("continuity").run()
        counts[name] = queries_of_a_run(at, ui_desk.engine)
    assert counts["Small"] == counts["Large"], counts
