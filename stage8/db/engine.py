"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL.

SQLite: WAL, foreign keys on, and every transaction starts with BEGIN IMMEDIATE so that two
writers serialise at the start instead of failing on upgrade from a read lock; that is what makes
"read max(attempt_number), insert +1" safe there. PostgreSQL: row locks (SELECT ... FOR UPDATE)
in the services and an advisory lock around migrations.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from stage8.errors import ConfigError
from stage8.redaction import masked_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_ADVISORY_LOCK_KEY = 0x53_74_61_67_65_38  # "Stage8": one lock id for every desk migration


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Take over transaction control from the sqlite3 module (see the "begin" hook below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "stage8_read_only"


def _sqlite_begin(conn) -> None:
    # Readers take no write lock (WAL lets them run beside a writer); writers take it up front.
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_db_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get their folder created. A URL that cannot be
    parsed is a ConfigError that shows the URL with its password masked."""
    try:
        return _create_db_engine(url)
    except (ArgumentError, ValueError):
        raise ConfigError(
            f"STAGE8_DATABASE_URL is not a usable database URL ({masked_url(url)}); write it as "
            "postgresql://user:password@host:5432/database, with any @ : / # % ? in the user "
            "name or password percent-encoded (@ as %40, % as %25)."
        ) from None


def _create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ConfigError(
        f"STAGE8_DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url.split(':')[0]!r}."
    )


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions on the engine; read-only ones start a deferred transaction on SQLite."""
    bind = engine.execution_options(**{READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_migrate_lock = threading.Lock()


def alembic_config() -> Config:
    """Alembic's configuration. It holds no database URL: `migrate` hands Alembic an open
    connection, so the URL (and its password) never passes through Alembic's ConfigParser, whose
    %-interpolation breaks on percent-encoded passwords."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision`; concurrent callers (app replicas, CLI) run it once."""
    with _migrate_lock, engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
            conn.commit()
        try:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK_KEY})
                conn.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
