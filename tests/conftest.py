"""Shared fixtures: a Desk on SQLite and on a real PostgreSQL server, with a local image store.

PostgreSQL comes from STAGE8_TEST_DATABASE_URL (scripts/test.sh and .ci/run start a server).
Without it the PostgreSQL half is skipped locally, and fails when STAGE8_REQUIRE_POSTGRES=1, so
CI can never pass by skipping it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from stage8.config import Settings
from stage8.db.engine import create_db_engine, make_session_factory, migrate
from stage8.db.models import Base
from stage8.desk import Desk
from stage8.storage.local import LocalStore

PG_ENV = "STAGE8_TEST_DATABASE_URL"


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("STAGE8_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{PG_ENV} is not set but STAGE8_REQUIRE_POSTGRES=1")
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated once, dropped at the end."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL not configured ({PG_ENV} unset)")
    name = f"stage8_test_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin_engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


def _truncate_all(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def make_settings(tmp_path: Path, database_url: str, **overrides) -> Settings:
    return replace(
        Settings(),
        home=tmp_path,
        database_url=database_url,
        storage_path=tmp_path / "storage",
        **overrides,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_kind(request) -> str:
    return request.param


@pytest.fixture
def database_url(db_kind, tmp_path, request) -> str:
    if db_kind == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "stage8.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database_url")
    engine = create_db_engine(url)
    _truncate_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def desk(database_url, tmp_path) -> Iterator[Desk]:
    """A desk on a clean database of each kind, with a local store in tmp_path."""
    settings = make_settings(tmp_path, database_url)
    engine = create_db_engine(database_url)
    d = Desk(settings=settings, engine=engine, sessions=make_session_factory(engine))
    d.use_store(LocalStore(settings.storage_path))
    yield d
    engine.dispose()


class QueryCounter:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.count = 0

    def _hook(self, *_args, **_kwargs) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hook)


@pytest.fixture
def count_queries():
    return QueryCounter
