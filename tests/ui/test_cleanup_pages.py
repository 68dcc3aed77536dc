"""AppTest of the Storage page (plan, typed confirmation, background apply) and the Trash page
(thumbnails, purge date, Restore, confirmed Purge now)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from stage8.db.finders import find_instance
from stage8.db.models import Attempt
from stage8.decisions.attempts import list_attempts, trash_attempt
from stage8.reads.integrity import check
from stage8.ui import state as keys
from stage8.ui.cleanup_widgets import get_run
from tests.ui.helpers import shown


def storage_page(app):
    at = app()
    at.switch_page("app_pages/storage.py")
    return at.run()


def trash_page(app):
    at = app()
    at.switch_page("app_pages/trash.py")
    return at.run()


def test_storage_page_applies_the_plan_after_the_typed_word(app, ui_desk):
    ui_desk.settings = replace(ui_desk.settings, attempt_cap=1)
    at = storage_page(app)
    assert not at.exception
    assert at.title[0].value == "Storage"
    plan = at.session_state[keys.CLEANUP_PLAN]
    assert plan.to_trash
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["To the trash"] == str(len(plan.to_trash))
    assert len(at.dataframe) >= 1  # totals per scene, then the details
    apply = at.button(key=keys.CLEANUP_APPLY)
    assert apply.disabled
    at.text_input(key=keys.CLEANUP_CONFIRM).input("clean up").run()
    assert at.button(key=keys.CLEANUP_APPLY).disabled  # only the exact word enables it
    at.text_input(key=keys.CLEANUP_CONFIRM).input("cleanup").run()
    assert not at.button(key=keys.CLEANUP_APPLY).disabled
    at.button(key=keys.CLEANUP_APPLY).click().run()
    run = get_run(at.session_state[keys.CLEANUP_RUN])
    run.thread.join(timeout=60)
    assert run.done and run.error is None
    assert run.result.trashed == [p.attempt_id for p in plan.to_trash]
    at.run()
    assert not at.exception
    assert any("Moved" in shown(s.value) and "to the trash" in shown(s.value) for s in at.success)
    assert at.session_state[keys.CLEANUP_PLAN] is not plan  # a fresh plan after the apply
    assert at.session_state[keys.CLEANUP_PLAN].to_trash == []
    assert check(ui_desk) == []


def test_storage_page_with_nothing_to_do(app, ui_desk):
    at = storage_page(app)
    assert not at.exception
    assert any("Nothing to clean up" in shown(s.value) for s in at.success)


def _trashed_attempt(desk):
    with desk.tx() as s:
        iid = find_instance(s, None, 1, "Mara").id
    attempt = next(a for a in list_attempts(desk, iid) if not a.selected and not a.pinned)
    trash_attempt(desk, attempt.id, actor="t")
    return attempt


def test_trash_page_restore(app, ui_desk):
    attempt = _trashed_attempt(ui_desk)
    at = trash_page(app)
    assert not at.exception
    assert any("attempts in the trash" in shown(m.value) for m in at.markdown)
    assert any("Purged after" in shown(c.value) for c in at.caption)
    at.button(key=keys.restore_button(attempt.id)).click().run()
    assert any("back from the trash" in shown(s.value) for s in at.success)
    with ui_desk.tx() as s:
        assert s.get(Attempt, attempt.id).trashed_at is None


def test_trash_page_purge_now_needs_the_checkbox(app, ui_desk):
    attempt = _trashed_attempt(ui_desk)
    at = trash_page(app)
    assert at.button(key=keys.purge_button(attempt.id)).disabled
    at.checkbox(key=keys.purge_confirm(attempt.id)).check().run()
    assert not at.button(key=keys.purge_button(attempt.id)).disabled
    at.button(key=keys.purge_button(attempt.id)).click().run()
    assert not at.exception
    assert any(f"Attempt #{attempt.attempt_number} purged" in shown(s.value) for s in at.success)
    with ui_desk.tx() as s:
        assert s.scalar(select(Attempt.id).where(Attempt.id == attempt.id)) is None
    assert check(ui_desk) == []
