"""Roles in the browser, through the real OpenID Connect redirect flow (issue 14, "done when"):
a viewer sees no enabled decision control and a direct service call as them is refused; a
reviewer's selection is recorded with their email and role; an admin adds a person on the
Reviewers page and that person can decide after signing in.

The scene page is opened at its full panel (keys from stage8/ui/state.py); instance 1 is Mara in
scene 1 of the demo (three attempts, #1 selected)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from stage8.config import load_settings
from stage8.db.models import DecisionEvent
from stage8.decisions.attempts import select_attempt
from stage8.desk import open_desk
from stage8.errors import NotAllowed
from stage8.reviewers.roles import signed_in
from stage8.ui import state as keys
from tests.e2e.oidc_provider import auth_secrets, run_oidc_provider, sign_in
from tests.e2e.steps import button, by_key, goto_app, shown, wait_for_app

MARA = 1  # the demo's first instance
DECISION_LABELS = ("Select this one", "Pin", "Move to trash", "Generate", "Use this reference")


@pytest.fixture(scope="module")
def oidc_issuer():
    with run_oidc_provider() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def streamlit_secrets(oidc_issuer: str) -> str:
    return auth_secrets(oidc_issuer)


@pytest.fixture(scope="module")
def streamlit_env() -> dict[str, str]:
    return {"STAGE8_ADMINS": "admin@stage8.test", "STAGE8_APP_WORKER": "0"}


@pytest.fixture
def app_desk(streamlit_app, streamlit_home, monkeypatch, tmp_path):
    """The app server's own desk (same database and store), opened in the test process."""
    for name in ("STAGE8_DATABASE_URL", "STAGE8_STORAGE", "STAGE8_STORAGE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE8_HOME", str(streamlit_home))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("STAGE8_ADMINS", "admin@stage8.test")
    return open_desk(load_settings(), run_migrations=False)


def event_ids(desk) -> list[int]:
    with desk.read() as s:
        return list(s.scalars(select(DecisionEvent.id).where(DecisionEvent.instance_id == MARA)))


def latest_select(desk) -> DecisionEvent:
    with desk.read() as s:
        return s.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.instance_id == MARA, DecisionEvent.kind == "select")
            .order_by(DecisionEvent.id.desc())
            .limit(1)
        ).one()


def open_mara(page, app_url: str):
    goto_app(page, f"{app_url}/scene?scene=1&asset=Mara")  # Mara's full panel
    attempts = by_key(page, keys.attempts_box(MARA))
    expect(attempts.get_by_text("Attempt #1")).to_be_visible(timeout=30_000)
    return by_key(page, keys.asset_box(MARA)), attempts


def select_next(page, attempts) -> str:
    """Show the next attempt of Mara, select it; return its label ("Attempt #N")."""
    button(attempts, "▶").click()
    wait_for_app(page)
    title = attempts.get_by_text("Attempt #").first.inner_text().strip()
    button(attempts, "Select this one").click()
    wait_for_app(page)
    expect(page.get_by_text(f"{title} selected.")).to_be_visible()
    return title


def test_a_viewer_sees_no_enabled_decision_control_and_the_service_refuses_them(
    page, streamlit_app, app_desk
):
    sign_in(page, streamlit_app, "viewer@stage8.test")
    panel, _ = open_mara(page, streamlit_app)
    # The panel's controls are drawn after its attempts: wait for them before counting.
    expect(button(panel, "Select this one")).not_to_have_count(0)
    wait_for_app(page)
    controls = [button(panel, label) for label in DECISION_LABELS]
    assert sum(c.count() for c in controls) >= 4
    for control in controls:
        for i in range(control.count()):
            expect(control.nth(i)).to_be_disabled()
    expect(panel.get_by_role("checkbox", name="Use master as-is")).to_be_disabled()
    expect(by_key(page, keys.select_button(MARA)).get_by_role("button")).to_be_disabled()
    # Not only hidden by the page: the service itself refuses the same person.
    viewer = signed_in(app_desk, "viewer@stage8.test", "Vera Viewer")
    before = event_ids(app_desk)
    with pytest.raises(NotAllowed, match="viewer: only reviewers and admins can make"):
        select_attempt(app_desk, 2, actor=viewer)
    assert event_ids(app_desk) == before


def test_a_reviewer_added_by_an_admin_on_the_reviewers_page_decides_as_themselves(
    browser, page, streamlit_app, app_desk
):
    # The admin (from STAGE8_ADMINS) gives stranger@ the reviewer role on the admin page.
    sign_in(page, streamlit_app, "admin@stage8.test")
    goto_app(page, f"{streamlit_app}/reviewers")
    expect(page.get_by_role("heading", name="Reviewers")).to_be_visible()
    by_key(page, keys.REVIEWERS_ADD_EMAIL).get_by_role("textbox").fill("stranger@stage8.test")
    by_key(page, keys.REVIEWERS_ADD_EMAIL).get_by_role("textbox").press("Enter")
    wait_for_app(page)
    by_key(page, keys.REVIEWERS_ADD).get_by_role("button").click()
    wait_for_app(page)
    expect(page.get_by_text(shown("stranger@stage8.test has the reviewer role."))).to_be_visible()

    # That person signs in, in a fresh browser context, and selects an attempt.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        theirs = context.new_page()
        sign_in(theirs, streamlit_app, "stranger@stage8.test")
        sidebar = theirs.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text(shown("stranger@stage8.test · reviewer"))).to_be_visible()
        _, attempts = open_mara(theirs, streamlit_app)
        select_next(theirs, attempts)
    finally:
        context.close()
    event = latest_select(app_desk)
    assert (event.actor, event.role, event.actor_source) == (
        "stranger@stage8.test",
        "reviewer",
        "sign-in",
    )


def test_the_admin_page_is_not_listed_for_a_viewer(page, streamlit_app):
    sign_in(page, streamlit_app, "viewer@stage8.test")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Overview")).to_be_visible()
    expect(nav.get_by_text("Reviewers")).to_have_count(0)
