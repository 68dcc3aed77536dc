"""Two `streamlit run` processes on one PostgreSQL database (issue 14 items 3-5), as the desk
runs past one machine: a fresh database on the shared server, one STAGE8_HOME per process and one
storage folder for both. Two reviewers (ana on process A, bo on process B) select different
attempts of one asset at the same moment; exactly one wins, the other sees who and chooses; both
pages follow every change (the other process's, the command line's) without a reload, and each
page says who else is on the scene."""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from stage8.config import Settings
from stage8.db.engine import create_db_engine, make_session_factory
from stage8.db.finders import find_instance
from stage8.decisions.attempts import list_attempts
from stage8.decisions.events import instance_events
from stage8.desk import Desk
from stage8.ui import state as keys
from tests.e2e.conftest import VIEWPORT, app_server, run_cli
from tests.e2e.steps import (
    asset_panel,
    button,
    by_key,
    by_key_prefix,
    click_and_wait,
    goto_app,
    wait_for_app,
)

LIVE = 15_000  # ms: the poll runs every 2.5 s (shows in ~5 s; slack for a loaded machine)
PRESENCE = 30_000  # ms: heartbeats and who-else are refreshed every 10 s


@pytest.fixture(scope="module")
def shared_database() -> Iterator[str]:
    admin = os.environ.get("STAGE8_TEST_DATABASE_URL")
    if not admin:
        if os.environ.get("STAGE8_REQUIRE_POSTGRES") == "1":
            pytest.fail("STAGE8_TEST_DATABASE_URL is not set but STAGE8_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL not configured (STAGE8_TEST_DATABASE_URL unset)")
    admin = "postgresql+psycopg://" + admin.removeprefix("postgresql://")
    name = f"stage8_e2e_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="module")
def shared_env(shared_database, tmp_path_factory) -> dict[str, str]:
    """What both processes (and the command line) share: the database and the storage folder."""
    storage = tmp_path_factory.mktemp("shared-storage")
    return {
        "STAGE8_DATABASE_URL": shared_database,
        "STAGE8_STORAGE_PATH": str(storage),
        "STAGE8_APP_WORKER": "0",
    }


def cli(shared_env: dict[str, str], *args: str) -> str:
    home = str(Path(shared_env["STAGE8_STORAGE_PATH"]).parent)
    return run_cli({**shared_env, "STAGE8_HOME": home}, *args)


@pytest.fixture(scope="module")
def two_apps(shared_env, tmp_path_factory) -> Iterator[tuple[str, str]]:
    cli(shared_env, "migrate")
    cli(shared_env, "demo")
    servers = []
    with contextlib.ExitStack() as stack:
        for actor in ("ana", "bo"):
            home = tmp_path_factory.mktemp(f"home-{actor}")
            run_dir = tmp_path_factory.mktemp(f"run-{actor}")
            env = {**shared_env, "STAGE8_ACTOR": actor}
            servers.append(stack.enter_context(app_server(run_dir, home, env)))
        yield servers[0], servers[1]


@pytest.fixture(scope="module")
def desk(shared_env) -> Iterator[Desk]:
    """The test's own view of the shared database (to read the decision log)."""
    url = shared_env["STAGE8_DATABASE_URL"]
    settings = replace(
        Settings(), database_url=url, storage_path=Path(shared_env["STAGE8_STORAGE_PATH"])
    )
    engine = create_db_engine(url)
    yield Desk(settings=settings, engine=engine, sessions=make_session_factory(engine))
    engine.dispose()


def _mara(desk: Desk) -> int:
    with desk.read() as s:
        return find_instance(s, None, 1, "Mara").id


def _number(desk: Desk, iid: int, selected: bool = True) -> int:
    (n,) = [a.attempt_number for a in list_attempts(desk, iid) if a.selected == selected][:1]
    return n


def _attempts(page):
    return by_key_prefix(asset_panel(page, "Mara"), "attempts_box_")


def _title(page):
    """The shown attempt's title line with its badges ("Attempt #2 Selected Generated")."""
    return (
        _attempts(page)
        .get_by_test_id("stMarkdownContainer")
        .filter(has_text=re.compile(r"^Attempt #\d"))
    )


def _shows_selected(page, number: int) -> None:
    expect(_title(page)).to_have_text(re.compile(rf"^Attempt #{number}\s*Selected"), timeout=LIVE)


def test_two_processes_one_database(browser, two_apps, desk, shared_env):
    pages = {}
    for actor, url in zip(("ana", "bo"), two_apps, strict=True):
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        pages[actor] = context.new_page()
        goto_app(pages[actor], f"{url}/scene?scene=1&asset=Mara")  # Mara's full panel
    a, b = pages["ana"], pages["bo"]
    mara = _mara(desk)
    first = _number(desk, mara)
    _shows_selected(a, first)
    _shows_selected(b, first)

    # Presence: each page says who else has the scene open (heartbeats in the shared database).
    expect(by_key(b, keys.LIVE_BOX)).to_contain_text("Also here: ana", timeout=PRESENCE)
    expect(by_key(a, keys.LIVE_BOX)).to_contain_text("Also here: bo", timeout=PRESENCE)

    # ana looks at #2, bo at #3; both press Select at the same moment.
    click_and_wait(_attempts(a), "▶")
    click_and_wait(_attempts(b), "▶")
    click_and_wait(_attempts(b), "▶")
    expect(_title(a)).to_have_text(re.compile(r"^Attempt #2"))
    expect(_title(b)).to_have_text(re.compile(r"^Attempt #3"))
    before = [e.id for e in _events(desk, mara)]
    button(_attempts(a), "Select this one").click()
    button(_attempts(b), "Select this one").click()
    wait_for_app(a)
    wait_for_app(b)
    # Exactly one won: the log has one new selection, and the loser's page says who won.
    won = _number(desk, mara)
    assert won in (2, 3)
    winner, loser = ("ana", "bo") if won == 2 else ("bo", "ana")
    lost = 5 - won
    notice = by_key_prefix(pages[loser], "conflict_box_")
    expect(notice).to_contain_text(f"{winner} selected #{won} at ")
    expect(notice).to_contain_text(f"your selection of attempt #{lost} was not applied")
    expect(by_key_prefix(pages[winner], "conflict_box_")).to_have_count(0)
    new = [e for e in _events(desk, mara) if e.id not in before]
    assert [(e.kind, e.actor) for e in new] == [("select", winner)]
    # Neither page shows a stale Selected badge.
    _shows_selected(pages[winner], won)
    _shows_selected(pages[loser], won)

    # The loser replaces it with theirs: a new decision, which the winner's page follows live.
    click_and_wait(notice, "Replace with mine", pages[loser])
    expect(notice).to_have_count(0)
    _shows_selected(pages[loser], lost)
    _shows_selected(pages[winner], lost)
    new = [e for e in _events(desk, mara) if e.id not in before]
    assert [(e.kind, e.actor) for e in new] == [("select", winner), ("select", loser)]
    assert all(e.after["version_checked"] for e in new)
    assert new[1].after["version"] == new[0].after["version"] + 1

    # An operator's change on the command line reaches both open pages without a reload.
    attempt = next(
        r
        for r in json.loads(
            cli(shared_env, "attempts", "--scene", "1", "--asset", "Mara", "--json")
        )
        if r["attempt_number"] == first
    )
    cli(shared_env, "select", "--attempt", str(attempt["id"]), "--actor", "operator")
    _shows_selected(a, first)
    _shows_selected(b, first)
    a.context.close()
    b.context.close()


def _events(desk: Desk, iid: int):
    with desk.read() as s:
        return list(reversed(instance_events(s, iid, 50)))
