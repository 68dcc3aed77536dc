"""With STAGE8_DEFAULT_ROLE=none, a person nobody added is refused after a real sign-in
(issue 14 item 2), while an admin from STAGE8_ADMINS still gets in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.oidc_provider import auth_secrets, run_oidc_provider, sign_in
from tests.e2e.steps import shown


@pytest.fixture(scope="module")
def oidc_issuer():
    with run_oidc_provider() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def streamlit_secrets(oidc_issuer: str) -> str:
    return auth_secrets(oidc_issuer)


@pytest.fixture(scope="module")
def streamlit_env() -> dict[str, str]:
    return {
        "STAGE8_ADMINS": "admin@stage8.test",
        "STAGE8_DEFAULT_ROLE": "none",
        "STAGE8_APP_WORKER": "0",
    }


def test_unknown_person_sees_the_refusal_page(page, streamlit_app):
    sign_in(page, streamlit_app, "stranger@stage8.test")
    expect(
        page.get_by_text(shown("stranger@stage8.test is not a reviewer on this desk."))
    ).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Demo data")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_admin_from_the_setting_still_gets_in(page, streamlit_app):
    sign_in(page, streamlit_app, "admin@stage8.test")
    expect(
        page.get_by_test_id("stSidebar").get_by_text(shown("admin@stage8.test · admin"))
    ).to_be_visible()
    expect(page.get_by_text("Demo data")).to_be_visible()
