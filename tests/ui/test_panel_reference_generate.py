"""AppTest of the full panel (issue 13 items 6, 7): reference marks and "Follow the default",
the attempt strip's numbers, the Generate… form, and the notice of the cap's evictions."""

import pytest
from sqlalchemy import select

from stage8.db.finders import find_instance
from stage8.db.models import GenerationJob
from stage8.decisions.attempts import list_attempts, select_attempt, trash_attempt
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.references import reference_state
from stage8.generation.run import default_prompt
from stage8.generation.worker import run_until_done
from stage8.reads.board import load_panel
from stage8.ui import session as session_mod
from stage8.ui import state as keys
from stage8.ui.carousel import SELECTED_MARK
from stage8.ui.session import _open
from stage8.units import format_usd
from tests.ui.helpers import page_text, shown


def _iid(desk, scene, asset):
    with desk.read() as s:
        return find_instance(s, None, scene, asset).id


def _ref(desk, iid):
    with desk.read() as s:
        return reference_state(s, iid)


def _chain_line(at) -> str:
    """The reference chain's summary line (the page's only Markdown with Default marks)."""
    return next(shown(m.value) for m in at.markdown if "badge[Default]" in m.value)


def _strip(at, desk, iid) -> dict:
    """The attempt strip's buttons by label."""
    carousel = keys.attempts_carousel(iid)
    return {
        b.label: b
        for b in (
            at.button(key=keys.carousel_jump(carousel, a.id)) for a in list_attempts(desk, iid)
        )
    }


def _jobs(desk, iid) -> list[GenerationJob]:
    with desk.read() as s:
        jobs = list(s.scalars(select(GenerationJob).where(GenerationJob.instance_id == iid)))
        s.expunge_all()
        return jobs


def test_chain_marks_default_chosen_and_in_use_and_follow_the_default(app, ui_desk):
    iid = _iid(ui_desk, 3, "Mara")  # not as-is; chain Master, Scene 1, Scene 2 (default)
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    assert not at.exception
    assert ":violet-badge[Default] :green-badge[In use]" in _chain_line(at)
    # Following the default: no "Follow the default" button, and the default entry (shown
    # first) cannot be "chosen".
    assert not [b for b in at.button if b.key == keys.reference_default_button(iid)]
    assert at.button(key=keys.use_reference_button(iid)).disabled
    assert any("Following the default: Scene 2." in shown(c.value) for c in at.caption)
    at.button(key=keys.carousel_prev(keys.reference_carousel(iid))).click().run()
    at.button(key=keys.use_reference_button(iid)).click().run()
    line = _chain_line(at)
    assert "Scene 1 :blue-badge[Chosen] :green-badge[In use]" in line
    assert "Scene 2 :violet-badge[Default]" in line
    assert any("Chosen by a reviewer: Scene 1." in shown(c.value) for c in at.caption)
    at.button(key=keys.reference_default_button(iid)).click().run()
    assert not at.exception
    assert any("Following the default reference (Scene 2)" in shown(t.value) for t in at.toast)
    assert _ref(ui_desk, iid).is_default
    assert not [b for b in at.button if b.key == keys.reference_default_button(iid)]
    assert any("Following the default: Scene 2." in shown(c.value) for c in at.caption)


def test_a_stale_choice_shows_the_image_in_use_and_follow_the_default(app, ui_desk):
    iid = _iid(ui_desk, 3, "Mara")
    use_reference(ui_desk, iid, 1, actor="t")
    scene1 = _iid(ui_desk, 1, "Mara")
    other = next(a for a in list_attempts(ui_desk, scene1) if not a.selected)
    select_attempt(ui_desk, other.id, actor="t")  # scene 1 now has a newer image
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    assert any("Scene 1 now has a newer image" in shown(w.value) for w in at.warning)
    text = page_text(at)
    assert "In use until you choose again: the image chosen from Scene 1" in text
    # The image in use is not in the chain any more: no entry is marked "In use".
    assert "In use]" not in _chain_line(at)
    at.button(key=keys.reference_default_button(iid)).click().run()
    assert _ref(ui_desk, iid).is_default and not at.warning
    assert "In use until you choose again" not in page_text(at)


def test_the_strip_labels_attempt_numbers_and_marks_the_selected_one(app, ui_desk):
    iid = _iid(ui_desk, 3, "Mara")  # attempts #1–#4, #3 selected
    first = next(a for a in list_attempts(ui_desk, iid) if a.attempt_number == 1)
    trash_attempt(ui_desk, first.id, actor="t")
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    labels = _strip(at, ui_desk, iid)
    # Numbers, not positions: #1 is in the trash, so the strip starts at #2.
    assert sorted(labels) == ["#2", "#3", "#4"]
    assert labels["#3"].proto.type == "primary"  # the selected one is also the one shown
    assert "(selected)" in shown(labels["#3"].help)
    assert "(selected)" not in shown(labels["#4"].help)
    # One ✓ under the full panel's strip (the other assets are compact rows on the sheet).
    assert [m.value for m in at.markdown].count(SELECTED_MARK) == 1
    four = next(a for a in list_attempts(ui_desk, iid) if a.attempt_number == 4)
    at.button(key=keys.carousel_jump(keys.attempts_carousel(iid), four.id)).click().run()
    labels = _strip(at, ui_desk, iid)
    assert labels["#4"].proto.type == "primary" and labels["#3"].proto.type == "secondary"


def test_generate_form_prefills_the_prompt_shows_the_cost_and_queues(app, ui_desk):
    iid = _iid(ui_desk, 3, "Mara")
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    panel = load_panel(ui_desk, iid)
    expected = default_prompt("character", "Mara", panel.description, True)
    assert at.text_area(key=keys.generate_prompt(iid)).value == expected
    each = ui_desk.provider.estimate_cost()
    at.number_input(key=keys.generate_count(iid)).set_value(3).run()
    cost = [shown(c.value).replace("**", "") for c in at.caption if "Estimated cost" in c.value]
    assert cost[0].startswith(f"Estimated cost: 3 × {format_usd(each)} = {format_usd(each * 3)}")
    assert at.button(key=keys.generate_submit(iid)).label == "Queue 3 images"
    at.text_area(key=keys.generate_prompt(iid)).input("Mara at the rail, storm light").run()
    at.button(key=keys.generate_submit(iid)).click().run()
    assert not at.exception
    assert any("Generation queued (3 jobs)" in shown(t.value) for t in at.toast)
    jobs = _jobs(ui_desk, iid)
    assert len(jobs) == 3 and {j.prompt for j in jobs} == {"Mara at the rail, storm light"}


def test_generate_form_refuses_an_empty_prompt(app, ui_desk):
    iid = _iid(ui_desk, 3, "Mara")
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    at.text_area(key=keys.generate_prompt(iid)).input("   ").run()
    at.button(key=keys.generate_submit(iid)).click().run()
    assert not at.exception
    assert any("The prompt is empty" in shown(t.value) for t in at.toast)
    assert _jobs(ui_desk, iid) == []


@pytest.mark.timeout(180)
def test_an_eviction_by_generation_is_announced_with_restore(app, desk_home, monkeypatch):
    monkeypatch.setenv("STAGE8_ATTEMPT_CAP", "4")
    monkeypatch.setattr(session_mod, "ensure_worker", lambda: None)  # run the job ourselves
    desk = _open()  # opened after the cap changed
    iid = _iid(desk, 3, "Mara")  # four live attempts: the cap is full
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    assert "moved to the trash: at most" not in page_text(at)  # nothing is news on the first look
    at.button(key=keys.generate_submit(iid)).click().run()
    run_until_done(desk, [j.id for j in _jobs(desk, iid)])
    at.run()  # the worker's result reaches the page on its next run
    text = page_text(at)
    assert "Attempt #1 moved to the trash: at most 4 live attempts are kept." in text
    assert 1 not in [a.attempt_number for a in list_attempts(desk, iid)]
    at.button(key=keys.evict_restore(iid)).click().run()
    assert not at.exception
    assert any("Restored attempt #1" in shown(t.value) for t in at.toast)
    assert 1 in [a.attempt_number for a in list_attempts(desk, iid)]
    assert "moved to the trash: at most" not in page_text(at)


def test_an_eviction_by_use_as_is_is_announced_in_the_panel(app, desk_home, monkeypatch):
    monkeypatch.setenv("STAGE8_ATTEMPT_CAP", "4")
    desk = _open()
    iid = _iid(desk, 3, "Mara")
    at = app(scene=3, asset="Mara").run()  # Mara's full panel
    at.checkbox(key=keys.as_is_checkbox(iid)).check().run()
    assert not at.exception
    assert "Attempt #1 moved to the trash: at most 4 live attempts are kept." in page_text(at)
    at.button(key=keys.evict_dismiss(iid)).click().run()
    assert "moved to the trash: at most" not in page_text(at)
    assert 1 not in [a.attempt_number for a in list_attempts(desk, iid)]
