"""Sign-in through the real OpenID Connect redirect flow (issue 14 items 1 and 2): Chromium, the
app's `st.login`, and a real provider (tests/oidc/server.mjs, `oidc-provider` from npm).

Three people sign in, each in a fresh browser: the admin (from STAGE8_ADMINS), a reviewer (added
with `python -m stage8 reviewers add` before the app starts) and a viewer (nobody added them;
STAGE8_DEFAULT_ROLE defaults to viewer). tests/e2e/test_sign_in_refused.py covers `none`.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO_ROOT, goto_app, wait_for_app
from tests.e2e.oidc_provider import auth_secrets, run_oidc_provider, sign_in
from tests.e2e.steps import shown


@pytest.fixture(scope="module")
def oidc_issuer():
    with run_oidc_provider() as issuer:
        yield issuer


@pytest.fixture(scope="module")
def streamlit_secrets(oidc_issuer: str) -> str:
    return auth_secrets(oidc_issuer, providers=("company", "partner"))


@pytest.fixture(scope="module")
def streamlit_env(streamlit_home) -> dict[str, str]:
    # The reviewer is added on the command line, against the app's database, before it starts.
    command = ["reviewers", "add", "reviewer@stage8.test", "--role", "reviewer"]
    added = subprocess.run(
        [sys.executable, "-m", "stage8", *command, "--actor", "e2e-setup"],
        cwd=REPO_ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "STAGE8_HOME": str(streamlit_home),
            "STAGE8_SECRETS_FILE": str(streamlit_home / "no-secrets.toml"),
        },
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    return {"STAGE8_ADMINS": "admin@stage8.test", "STAGE8_APP_WORKER": "0"}


@pytest.mark.parametrize(
    ("email", "name", "role", "provider"),
    [
        ("admin@stage8.test", "Ada Admin", "admin", "company"),
        ("reviewer@stage8.test", "Rui Reviewer", "reviewer", "partner"),
        ("viewer@stage8.test", "Vera Viewer", "viewer", "company"),
    ],
    ids=["admin-from-setting", "reviewer-from-cli", "viewer-by-default"],
)
def test_each_person_lands_with_email_and_role(page, streamlit_app, email, name, role, provider):
    goto_app(page, streamlit_app)
    # Signed out: the sign-in page only, one button per provider, no desk.
    expect(page.get_by_role("button", name="Sign in with company")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with partner")).to_be_visible()
    expect(page.get_by_text("Demo data")).to_have_count(0)

    sign_in(page, streamlit_app, email, provider)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(f"Signed in as {name}")).to_be_visible()
    expect(sidebar.get_by_text(shown(f"{email} · {role}"))).to_be_visible()
    expect(page.get_by_text("Demo data")).to_be_visible()


def test_sign_out_goes_back_to_the_sign_in_page(page, streamlit_app):
    sign_in(page, streamlit_app, "viewer@stage8.test")
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # The provider asks to confirm ending its own session, then sends the browser back.
    page.wait_for_url(re.compile(r".*/session/end.*"))
    page.get_by_role("button", name=re.compile("yes", re.IGNORECASE)).click()
    page.wait_for_url(lambda url: url.startswith(streamlit_app) and "oauth2callback" not in url)
    wait_for_app(page)
    expect(page.get_by_role("button", name="Sign in with company")).to_be_visible()
    expect(page.get_by_text("Demo data")).to_have_count(0)
