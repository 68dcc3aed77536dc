"""AppTest of the compare dialog's scores: a continuity badge under each attempt (red "drift"
under the threshold), the reference marked as such, and the similarity of the slider's pair,
computed once per image pair (a rerun does no image work)."""

import io

from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from stage8.db.finders import find_instance
from stage8.decisions import continuity
from stage8.decisions.uploads import upload_images
from stage8.reads.board import load_panel
from stage8.ui import state as keys


def _dialog_page(instance_id: int, attempt_id: int) -> None:
    from stage8.reads.board import load_panel as load  # AppTest runs this function's body alone
    from stage8.ui.compare import open_compare
    from stage8.ui.session import get_desk

    desk = get_desk()
    open_compare(desk, load(desk, instance_id), attempt_id)


def _stranger() -> bytes:
    im = Image.new("RGB", (320, 240), (10, 10, 10))
    ImageDraw.Draw(im).rectangle([20, 20, 90, 220], fill=(255, 240, 0))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def test_badges_drift_and_the_similarity_of_the_pair_without_image_work_on_rerun(
    ui_desk, monkeypatch
):
    with ui_desk.tx() as s:
        iid = find_instance(s, None, 3, "Mara").id
    continuity.backfill(ui_desk)
    report = upload_images(ui_desk, iid, [("x.png", _stranger())], actor="t", select="none")
    stranger = report.results[0].attempt
    panel = load_panel(ui_desk, iid)
    drift_below = ui_desk.settings.drift_below
    score, selected_score = panel.continuity[stranger.id], panel.continuity[panel.selected.id]
    assert score < drift_below <= selected_score
    reads = []
    real = continuity.fingerprints
    monkeypatch.setattr(
        continuity, "fingerprints", lambda desk, ids: reads.append(set(ids)) or real(desk, ids)
    )
    at = AppTest.from_function(_dialog_page, args=(iid, stranger.id), default_timeout=60).run()
    assert not at.exception
    bodies = [m.value for m in at.markdown]
    assert f":red-badge[continuity {score} · drift]" in bodies
    assert f":gray-badge[continuity {selected_score}]" in bodies
    assert ":blue-badge[the reference]" in bodies
    # The slider starts on shown <-> reference: the same measure as the stored score.
    line = next(m.value for m in at.markdown if "similarity" in m.value)
    assert line.startswith(f":red-badge[similarity {score} · drift]")
    assert "perceptual" in line and "structure" in line
    assert reads == [{stranger.image_id, panel.reference.effective_image_id}]
    at.run()
    assert not at.exception and len(reads) == 1  # the rerun: no image read, no fingerprint
    at.radio(key=keys.COMPARE_PAIR).set_value("Shown ↔ selected").run()
    line = next(m.value for m in at.markdown if "similarity" in m.value)
    assert line.startswith(":gray-badge[similarity ")  # two attempts: not a drift
    assert reads[1:] == [{stranger.image_id, panel.selected.image_id}]
