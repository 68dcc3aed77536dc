"""AppTest of the reference carousel, the as-is checkbox and Generate on the scene page."""

import pytest

from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts, select_attempt
from stage8.decisions.references import reference_state
from stage8.ui import state as keys
from tests.ui.helpers import shown


def _iid(desk, scene, asset):
    with desk.tx() as s:
        return find_instance(s, None, scene, asset).id


def _ref(desk, iid):
    with desk.tx() as s:
        return reference_state(s, iid)


def test_reference_arrows_and_use_an_older_reference(app, ui_desk):
    iid = _iid(ui_desk, 4, "Mara")  # chain: Master, Scene 1, Scene 2, Scene 3 (default)
    at = app(scene=4, asset="Mara").run()
    assert not at.exception
    assert at.button(
        key=keys.use_reference_button(iid)
    ).disabled  # the effective one is shown first
    at.button(key=keys.carousel_prev(keys.reference_carousel(iid))).click().run()
    at.button(key=keys.carousel_prev(keys.reference_carousel(iid))).click().run()
    assert not at.button(key=keys.use_reference_button(iid)).disabled
    at.button(key=keys.use_reference_button(iid)).click().run()
    assert any("Reference set to Scene 1" in shown(t.value) for t in at.toast)
    state = _ref(ui_desk, iid)
    assert not state.is_default and state.effective_scene_number == 1
    assert any("Chosen by a reviewer: Scene 1" in shown(c.value) for c in at.caption)
    # Mara uses the reference as-is in scene 4: the selection followed to Scene 1's image.
    selected = next(a for a in list_attempts(ui_desk, iid) if a.selected)
    assert selected.source == "master_copy" and selected.image_id == state.effective_image_id


def test_stale_warning_and_back_to_default(app, ui_desk):
    iid = _iid(ui_desk, 4, "Mara")
    from stage8.decisions.reference_choice import use_reference

    use_reference(ui_desk, iid, 1, actor="t")
    s1 = _iid(ui_desk, 1, "Mara")
    other = next(a for a in list_attempts(ui_desk, s1) if not a.selected)
    select_attempt(ui_desk, other.id, actor="t")  # scene 1 now has a newer image
    at = app(scene=4, asset="Mara").run()
    assert any("Scene 1 now has a newer image" in shown(w.value) for w in at.warning)
    at.button(key=keys.reference_default_button(iid)).click().run()
    state = _ref(ui_desk, iid)
    # Mara is used as-is here, so going back to the default re-fixes the as-is image to the
    # default entry (Scene 3) instead of following later changes silently.
    assert not state.stale and state.effective_scene_number == 3
    assert not at.warning


def test_as_is_checkbox_disables_generate(app, ui_desk):
    iid = _iid(ui_desk, 3, "Mara")  # generated attempts, as-is off
    at = app(scene=3, asset="Mara").run()
    assert not at.checkbox(key=keys.as_is_checkbox(iid)).value
    assert not at.button(key=keys.generate_button(iid)).disabled
    at.checkbox(key=keys.as_is_checkbox(iid)).check().run()
    assert not at.exception
    assert at.button(key=keys.generate_button(iid)).disabled
    assert any("as-is" in shown(c.value) for c in at.caption)
    selected = next(a for a in list_attempts(ui_desk, iid) if a.selected)
    assert selected.source == "master_copy"
    at.checkbox(key=keys.as_is_checkbox(iid)).uncheck().run()
    assert not at.button(key=keys.generate_button(iid)).disabled
    assert next(a for a in list_attempts(ui_desk, iid) if a.selected).id == selected.id


@pytest.mark.timeout(120)
def test_generate_queues_a_job_that_lands_in_the_carousel(app, ui_desk, monkeypatch):
    import stage8.ui.session as session_mod

    monkeypatch.setattr(session_mod, "ensure_worker", lambda: None)  # run it ourselves below
    iid = _iid(ui_desk, 5, "Mara")  # the scene without images
    at = app(scene=5, asset="Mara").run()
    at.button(key=keys.generate_button(iid)).click().run()
    assert any("Generation queued" in shown(t.value) for t in at.toast)
    from stage8.db.models import GenerationJob
    from stage8.generation.run import queue_generation  # noqa: F401 - the page used it
    from stage8.generation.worker import run_until_done

    with ui_desk.tx() as s:
        job_ids = [j.id for j in s.query(GenerationJob).filter_by(instance_id=iid)]
    assert len(job_ids) == 1
    views = run_until_done(ui_desk, job_ids)
    assert views[0].status == "succeeded"
    at = app(scene=5, asset="Mara").run()
    attempts = list_attempts(ui_desk, iid)
    assert [a.source for a in attempts] == ["generated"] and attempts[0].selected
    assert any(shown(m.value).startswith("**Attempt #1**") for m in at.markdown)


def test_generate_without_gemini_key_is_a_clear_error(app, monkeypatch):
    monkeypatch.setenv("STAGE8_IMAGE_PROVIDER", "gemini")
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    from stage8.ui.session import _open

    ui_desk = _open()  # opened after the setting changed
    assert ui_desk.settings.image_provider == "gemini"
    iid = _iid(ui_desk, 5, "Mara")
    at = app(scene=5, asset="Mara").run()
    assert not at.exception
    at.button(key=keys.generate_button(iid)).click().run()
    assert not at.exception
    assert any("GEMINI_API_KEY" in shown(t.value) for t in at.toast)
    assert list_attempts(ui_desk, iid) == []


def test_a_failed_generation_is_shown_until_a_new_attempt_arrives(app, ui_desk):
    from stage8.db.column_types import utcnow
    from stage8.db.models import GenerationJob
    from tests.builders import add_generated

    iid = _iid(ui_desk, 5, "Mara")
    with ui_desk.tx() as s:
        s.add(
            GenerationJob(
                instance_id=iid,
                status="failed",
                prompt="p",
                provider="gemini",
                last_error="Gemini refused the request: quota exceeded",
                finished_at=utcnow(),
                tries=3,
                max_tries=3,
                selection_version_at_queue=0,
                seed=0,
            )
        )
    at = app(scene=5, asset="Mara").run()
    assert any(
        "last generation failed" in shown(w.value) and "quota exceeded" in shown(w.value)
        for w in at.warning
    )
    with ui_desk.read() as s:
        from stage8.db.models import Scene

        project_id = s.query(Scene.project_id).first()[0]
    add_generated(ui_desk, iid, project_id, 99)
    at = app(scene=5, asset="Mara").run()
    assert not any("last generation failed" in shown(w.value) for w in at.warning)
