"""Integration fixtures shared by several modules: the command line in a subprocess, and a desk
on PostgreSQL only (for tests of PostgreSQL-specific behaviour)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from stage8.db.engine import create_db_engine, make_session_factory
from stage8.desk import Desk
from stage8.storage.local import LocalStore
from tests.conftest import _truncate_all, make_settings


@pytest.fixture
def run(desk, tmp_path):
    """`python -m stage8 ARGS` against the test's database and store; extra env as keywords."""
    base = {
        "STAGE8_DATABASE_URL": desk.settings.database_url,
        "STAGE8_STORAGE_PATH": str(desk.settings.storage_path),
        "STAGE8_HOME": str(tmp_path / "home"),
        "STAGE8_SECRETS_FILE": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
        "USER": "cli-tester",
    }

    def call(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "stage8", *args],
            env={**base, **env},
            capture_output=True,
            text=True,
        )

    return call


@pytest.fixture
def pg_desk(request, tmp_path) -> Iterator[Desk]:
    """A desk on the session's PostgreSQL database only (never SQLite), emptied first."""
    url = request.getfixturevalue("pg_database_url")
    engine = create_db_engine(url)
    _truncate_all(engine)
    desk = Desk(make_settings(tmp_path, url), engine, make_session_factory(engine))
    desk.use_store(LocalStore(desk.settings.storage_path))
    yield desk
    engine.dispose()
