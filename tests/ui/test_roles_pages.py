"""Roles on the pages (AppTest, `st.user` seeded as in test_auth.py): the admin Reviewers page
lists, adds, changes and removes people through the roles service; a viewer's decision controls
on the scene page are disabled (not hidden) with help text, and admin-only controls are
disabled for reviewers. The real sign-in flow is in tests/e2e/test_roles_browser.py."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from stage8.db.finders import find_instance
from stage8.reviewers.roles import add_reviewer, list_reviewers, operator, role_of
from stage8.ui import state as keys
from stage8.ui.messages import ADMINS_ONLY, VIEWER_CANNOT_DECIDE
from tests.ui.helpers import shown
from tests.ui.test_auth import AUTH

ADMIN = "ada@studio.test"


def signed_in(app, email: str, *, scene: int | None = None, page: str | None = None):
    at = app(scene=scene, asset="Mara" if scene is not None else None)  # the full panel
    if page:
        at.switch_page(page)
    at.secrets["auth"] = AUTH
    at.user["is_logged_in"] = True
    at.user["email"] = email
    at.user["name"] = email.split("@")[0].title()
    return at.run()


@pytest.fixture
def admins(monkeypatch):
    monkeypatch.setenv("STAGE8_ADMINS", ADMIN)


def flash(at) -> str:
    return " ".join(shown(e.value) for e in (*at.success, *at.error))


def test_admin_adds_changes_and_removes_a_reviewer(admins, app, ui_desk):
    at = signed_in(app, ADMIN, page="app_pages/reviewers.py")
    assert not at.exception
    assert [t.value for t in at.title] == ["Reviewers"]
    [table] = at.dataframe
    assert table.value.to_dict("records")[0]["from setting"]
    at.text_input(key=keys.REVIEWERS_ADD_EMAIL).input("Rui@Studio.test")
    at.selectbox(key=keys.REVIEWERS_ADD_ROLE).select("reviewer")
    at.button(key=keys.REVIEWERS_ADD).click().run()
    assert not at.exception
    assert "rui@studio.test has the reviewer role." in flash(at)
    assert role_of(ui_desk, "rui@studio.test") == "reviewer"
    [entry] = [e for e in list_reviewers(ui_desk, operator("t")) if not e.from_setting]
    assert (entry.email, entry.added_by) == ("rui@studio.test", ADMIN)  # who added them
    emails = [r["email"] for r in at.dataframe[0].value.to_dict("records")]
    assert emails == [ADMIN, "rui@studio.test"]

    at.selectbox(key=keys.REVIEWERS_PICK).select("rui@studio.test")
    at.selectbox(key=keys.REVIEWERS_NEW_ROLE).select("admin").run()
    at.button(key=keys.REVIEWERS_CHANGE).click().run()
    assert "rui@studio.test now has the admin role." in flash(at)
    assert role_of(ui_desk, "rui@studio.test") == "admin"

    at.button(key=keys.REVIEWERS_REMOVE).click().run()
    assert "rui@studio.test was removed" in flash(at)
    assert role_of(ui_desk, "rui@studio.test") == "viewer"  # the default role again


def test_a_bad_email_is_refused_on_the_page(admins, app, ui_desk):
    at = signed_in(app, ADMIN, page="app_pages/reviewers.py")
    at.text_input(key=keys.REVIEWERS_ADD_EMAIL).input("not an email")
    at.button(key=keys.REVIEWERS_ADD).click().run()
    assert not at.exception
    assert "is not an email address" in flash(at)


def test_a_reviewer_opening_the_reviewers_page_is_refused_by_the_service(app, ui_desk):
    add_reviewer(ui_desk, operator("ops"), "rui@studio.test", "reviewer")
    at = signed_in(app, "rui@studio.test", page="app_pages/reviewers.py")
    assert not at.exception
    assert "Reviewers" not in [t.value for t in at.title]  # not listed: another page opened
    assert not any(t.key == keys.REVIEWERS_ADD_EMAIL for t in at.text_input)


def decision_buttons(at) -> list:
    decide = ("Select this one", "Pin", "Unpin", "Move to trash", "Generate", "Use this reference")
    return [b for b in at.button if b.label in decide]


def test_a_viewer_sees_every_decision_control_disabled_with_the_reason(app, ui_desk):
    at = signed_in(app, "vera@studio.test", scene=1)  # unlisted: a viewer by default
    assert not at.exception
    buttons = decision_buttons(at)
    assert buttons and all(b.disabled for b in buttons)
    assert all(b.help == VIEWER_CANNOT_DECIDE for b in buttons)
    assert at.checkbox(key=keys.as_is_checkbox(1)).disabled
    assert all(u.disabled for u in at.get("file_uploader"))
    assert at.sidebar.text_input == []  # signed in: no typed reviewer name to override it


def test_a_reviewer_may_decide_but_not_apply_cleanup(app, ui_desk):
    add_reviewer(ui_desk, operator("ops"), "rui@studio.test", "reviewer")
    at = signed_in(app, "rui@studio.test", scene=1)
    assert any(b.label == "Pin" and not b.disabled for b in decision_buttons(at))
    at = signed_in(app, "rui@studio.test", page="app_pages/storage.py")
    assert not at.exception
    applies = [b for b in at.button if b.key == keys.CLEANUP_APPLY]
    assert all(b.disabled and b.help == ADMINS_ONLY for b in applies)
    assert ADMINS_ONLY in [c.value for c in at.caption] or not applies


def test_the_role_is_read_once_a_run_and_a_change_applies_on_the_next(app, ui_desk):
    add_reviewer(ui_desk, operator("ops"), "rui@studio.test", "reviewer")
    at = app(scene=1)  # the sheet: every row asks who is deciding
    at.secrets["auth"] = AUTH
    at.user["is_logged_in"] = True
    at.user["email"] = "rui@studio.test"
    at.run()
    with ui_desk.read() as s:
        mara = find_instance(s, None, 1, "Mara").id
    lookups = []

    def hook(_conn, _cursor, statement, *_args):
        if "FROM reviewers" in statement:
            lookups.append(statement)

    event.listen(ui_desk.engine, "before_cursor_execute", hook)
    try:
        at.run()
        assert not at.exception
        assert len(lookups) == 1, lookups  # one role lookup for the whole page, not one a row
        assert not at.button(key=keys.row_pin(mara)).disabled
        add_reviewer(ui_desk, operator("ops"), "rui@studio.test", "viewer")  # by an admin
        at.run()
        assert len(lookups) == 2  # read again on the next run
    finally:
        event.remove(ui_desk.engine, "before_cursor_execute", hook)
    assert at.button(key=keys.row_pin(mara)).disabled  # the new role applies at once
