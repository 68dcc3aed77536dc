"""Sign-in in the app (AppTest, with `st.user` seeded): the sign-in page, the role from the
database in the sidebar, the refusal page, and the desk without [auth] as before.

The real redirect flow through an OpenID Connect provider is tested in tests/e2e/test_sign_in.py.
"""

from __future__ import annotations

import pytest

from stage8.reviewers.roles import add_reviewer, operator

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-that-is-long-enough",
    "company": {
        "client_id": "desk",
        "client_secret": "s",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    },
    "partner": {
        "client_id": "desk2",
        "client_secret": "s2",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    },
}


def texts(at) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.error)]
    parts += [e.value for e in at.sidebar.markdown] + [e.value for e in at.sidebar.caption]
    # inert() puts an invisible word joiner after "@" (no autolinks); the text reads the same.
    return "\n".join(str(p) for p in parts).replace("\u2060", "")


def signed_in_app(app, email: str, name: str):
    at = app()
    at.secrets["auth"] = AUTH
    at.user["is_logged_in"] = True
    at.user["email"] = email
    at.user["name"] = name
    return at.run()


def test_without_auth_the_sidebar_says_decisions_use_the_typed_name(app):
    at = app().run()
    assert not at.exception
    assert any("recorded under the reviewer name typed" in c.value for c in at.sidebar.caption)
    assert [b.label for b in at.button if b.label.startswith("Sign")] == []
    assert any(t.label == "Reviewer name" for t in at.sidebar.text_input)


def test_signed_out_visitor_sees_only_one_button_per_provider(app):
    at = app()
    at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in with company", "Sign in with partner"]
    assert "Demo project" not in texts(at)  # no page ran
    assert at.sidebar.text_input == []


def test_incomplete_auth_stops_the_app_instead_of_opening_it(app):
    at = app()
    at.secrets["auth"] = {"redirect_uri": AUTH["redirect_uri"], "company": AUTH["company"]}
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Sign-in is configured but incomplete. `[auth]` in .streamlit/secrets.toml needs "
        "cookie_secret."
    ]
    assert at.button == [] and "Demo project" not in texts(at)


def test_signed_in_admin_from_the_setting(app, monkeypatch):
    monkeypatch.setenv("STAGE8_ADMINS", "ada@studio.test")
    at = signed_in_app(app, "Ada@Studio.test", "Ada *Admin*")
    assert not at.exception
    shown = texts(at)
    assert "Signed in as **Ada \\*Admin\\***" in shown  # the name is shown literally
    assert "ada\\@studio\\.test · admin" in shown
    assert "Sign out" in [b.label for b in at.sidebar.button]


def test_signed_in_reviewer_gets_the_role_from_the_database(app, ui_desk):
    add_reviewer(ui_desk, operator("ops"), "rui@studio.test", "reviewer")
    at = signed_in_app(app, "rui@studio.test", "Rui")
    assert not at.exception
    assert "rui\\@studio\\.test · reviewer" in texts(at)


def test_unlisted_person_is_a_viewer_by_default(app):
    at = signed_in_app(app, "vera@studio.test", "Vera")
    assert "vera\\@studio\\.test · viewer" in texts(at)


@pytest.mark.parametrize("email", ["sam@studio.test", ""])
def test_refusal_page_when_default_role_is_none_or_email_missing(app, monkeypatch, email):
    monkeypatch.setenv("STAGE8_DEFAULT_ROLE", "none")
    at = signed_in_app(app, email, "Sam")
    assert not at.exception
    [error] = at.error
    expected = "is not a reviewer on this desk" if email else "did not share your email"
    assert expected in error.value
    assert [b.label for b in at.button] == ["Sign out"]
    assert "Demo project" not in texts(at)


def test_an_unverified_email_is_refused_even_for_an_admin(app, monkeypatch):
    monkeypatch.setenv("STAGE8_ADMINS", "ada@studio.test")
    at = app()
    at.secrets["auth"] = AUTH
    at.user["is_logged_in"] = True
    at.user["email"] = "ada@studio.test"
    at.user["email_verified"] = False
    at.run()
    [error] = at.error
    assert "has not verified ada" in error.value
    assert "Demo project" not in texts(at)
