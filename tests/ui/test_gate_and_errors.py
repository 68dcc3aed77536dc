"""The password gate comes first, takes any password, slows guessing down; page errors never show
a secret or a traceback; huge scene numbers are "does not exist"."""

from __future__ import annotations

import io
import logging
import socket
from urllib.parse import quote

import pytest

from stage8.demo.seed import DEMO_PROJECT
from stage8.ui.chrome import process_gate
from tests.ui.helpers import shown

APP_PASSWORD = "pässwörd"
DB_PASSWORD = "Pa@s%s:w/o#rd"
SECRETS = (APP_PASSWORD, DB_PASSWORD, quote(DB_PASSWORD, safe=""), "AIzaPageSecretKey99")


def _everything(at) -> str:
    """Every element the page sent, main area and sidebar, as protobuf text."""
    text = "\n".join(str(getattr(node, "proto", "")) for node in (*at.main, *at.sidebar))
    return shown(text.replace("\\\\", "\\"))  # protobuf's escaped backslash, then Markdown's


def _assert_no_secret(at) -> None:
    page = _everything(at)
    assert not [s for s in SECRETS if s in page or quote(s) in page], page
    assert not at.exception


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sign_in(at, password: str):
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


class Clock:
    now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gated(monkeypatch):
    monkeypatch.setenv("STAGE8_APP_PASSWORD", APP_PASSWORD)
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaPageSecretKey99")


def test_only_the_gate_shows_until_a_non_ascii_password_is_given(app, gated):
    at = app().run()
    assert [t.value for t in at.title] == ["Stage 8 Review Desk"]
    assert DEMO_PROJECT not in _everything(at) and not at.sidebar.children
    at = _sign_in(at, "passwörd")
    assert [shown(e.value) for e in at.error] == ["That password is not right."]
    _assert_no_secret(at)
    at = _sign_in(at, APP_PASSWORD)
    assert not at.exception and not at.error
    assert DEMO_PROJECT in _everything(at)


def test_wrong_guesses_wait_longer_and_the_page_says_how_long(app, gated):
    clock = Clock()
    process_gate().clock = clock
    at = app().run()
    for _ in range(4):
        at = _sign_in(at, "wrong")
    assert [shown(e.value) for e in at.error] == ["That password is not right."]
    at = _sign_in(at, "wrong")
    assert "wait 2 seconds" in shown(at.error[0].value)
    at = _sign_in(at, APP_PASSWORD)  # right, but during the wait: refused unread
    assert shown(at.error[0].value).startswith("Too many wrong passwords: wait 2 seconds")
    assert DEMO_PROJECT not in _everything(at)
    at = app().run()  # a new browser session waits too: the count is per server process
    assert "wait 2 seconds" in shown(at.error[0].value)
    clock.now += 2
    at = _sign_in(at, APP_PASSWORD)
    assert DEMO_PROJECT in _everything(at)


def test_a_broken_database_shows_nothing_before_the_gate_and_no_password_after(
    app, gated, monkeypatch
):
    url = f"postgresql://desk:{quote(DB_PASSWORD, safe='')}@127.0.0.1:{_closed_port()}/stage8"
    monkeypatch.setenv("STAGE8_DATABASE_URL", url)
    at = app().run()
    assert not at.error and [t.value for t in at.title] == ["Stage 8 Review Desk"]
    _assert_no_secret(at)
    at = _sign_in(at, APP_PASSWORD)
    assert any("cannot reach its database" in e.value for e in at.error)
    _assert_no_secret(at)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://desk:{quote(DB_PASSWORD, safe='')}@127.0.0.1:notaport/stage8",
        f"postgresql://desk:{DB_PASSWORD}@127.0.0.1:5432/stage8",
    ],
)
def test_a_bad_database_url_is_shown_with_its_password_masked(app, monkeypatch, url):
    monkeypatch.setenv("STAGE8_DATABASE_URL", url)
    at = app().run()
    assert any("STAGE8_DATABASE_URL" in e.value for e in at.error)
    _assert_no_secret(at)


def test_an_unexpected_error_is_a_short_message_and_a_masked_log_line(app, monkeypatch, gated):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom with AIzaPageSecretKey99")

    monkeypatch.setattr("stage8.reads.board.project_overview", broken)
    at = app().run()
    at = _sign_in(at, APP_PASSWORD)  # installs the redacting log handler on its first run
    [handler] = [
        h for h in logging.getLogger("stage8").handlers if getattr(h, "stage8_redacting", False)
    ]
    log = io.StringIO()
    previous = handler.setStream(log)
    try:
        at.run()
    finally:
        handler.setStream(previous)
    assert shown(at.error[0].value).startswith("Something went wrong on this page.")
    _assert_no_secret(at)
    assert "RuntimeError: boom with ***" in log.getvalue()
    assert "AIzaPageSecretKey99" not in log.getvalue()


@pytest.mark.parametrize("number", ["99999999999999999999", "3000000000"])
def test_a_huge_scene_number_does_not_exist(app, number):
    at = app().run()
    at.switch_page("app_pages/scene.py")
    at.query_params["scene"] = number
    at.run()
    assert not at.exception
    [error] = at.error
    assert f"has no scene {number}:" in shown(error.value) and "SQL" not in error.value
    assert [p.proto.label for p in at.main.get("page_link")][-1] == "Back to the overview"
