"""Numbers outside what the database holds: "no such scene" or a usage error, never a traceback;
and a closed output pipe ends the command quietly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from stage8.db.finders import INTEGER_MAX, find_instance, get_instance, parse_number
from stage8.demo.seed import seed_demo
from stage8.errors import NotFound
from stage8.reads.board import scene_board

HUGE = "99999999999999999999"  # past 64 bits: SQLite's driver raised OverflowError
BIG = "3000000000"  # past 32 bits: PostgreSQL said "integer out of range" with the SQL


@pytest.fixture
def demo(desk):
    return seed_demo(desk)


@pytest.mark.parametrize("number", [int(HUGE), int(BIG), -int(BIG)])
def test_services_answer_no_such_scene_for_numbers_the_database_cannot_hold(desk, demo, number):
    with pytest.raises(NotFound, match=f"Scene {number} does not exist"):
        scene_board(desk, number)
    with desk.read() as session, pytest.raises(NotFound):
        find_instance(session, None, number, "Mara")
    with desk.read() as session, pytest.raises(NotFound):
        get_instance(session, number)


def test_parse_number_is_the_one_range_check():
    assert parse_number(" 42 ", "a scene number") == 42
    assert parse_number(str(INTEGER_MAX), "an id", minimum=1) == INTEGER_MAX
    for raw in (HUGE, BIG, "0", "abc", "1.5", ""):
        with pytest.raises(ValueError, match="an id must be"):
            parse_number(raw, "an id", minimum=1)


@pytest.mark.parametrize(
    "args",
    [
        ("attempts", "--scene", HUGE, "--asset", "Mara"),
        ("attempts", "--scene", BIG, "--asset", "Mara"),
        ("use-master", "--scene", BIG, "--all"),
        ("select", "--attempt", HUGE),
        ("select", "--attempt", BIG),
        ("trash", "--restore", BIG),
        ("trash", "--purge", HUGE),
        ("generate", "--scene", "1", "--asset", "Mara", "--seed", HUGE),
        ("export", "--what", "attempts", "--format", "csv", "-o", "-", "--scene-from", HUGE),
        ("attempts", "--scene", "three", "--asset", "Mara"),
    ],
)
def test_cli_numbers_out_of_range_are_usage_errors(run, demo, args):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "must be" in result.stderr.splitlines()[-1]


def test_cli_scene_in_range_but_absent_is_not_found(run, demo):
    result = run("attempts", "--scene", str(INTEGER_MAX), "--asset", "Mara")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: Scene {INTEGER_MAX} does not exist")


def test_a_closed_output_pipe_ends_the_command_quietly(desk, demo, tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` that has already gone: every write meets EPIPE
    env = {
        "STAGE8_DATABASE_URL": desk.settings.database_url,
        "STAGE8_STORAGE_PATH": str(desk.settings.storage_path),
        "STAGE8_HOME": str(tmp_path / "home"),
        "STAGE8_SECRETS_FILE": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "stage8", "cleanup"],
            env=env,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141
