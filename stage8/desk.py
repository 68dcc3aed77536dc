"""The desk's unit of work: settings, database, image store and provider, opened once per process.

Service functions take a `Desk` as their first argument and open their own transaction with
`desk.tx()` (or `desk.read()` to read only), so pages, the command line and workers share one
way of doing things.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from stage8.config import Settings, load_settings
from stage8.db.engine import create_db_engine, make_session_factory, migrate, transaction
from stage8.errors import DatabaseUnavailable
from stage8.providers import make_provider
from stage8.storage import make_store
from stage8.storage.preflight import preflight

if TYPE_CHECKING:
    from stage8.providers.base import ImageProvider
    from stage8.storage.base import ImageStore


@dataclass
class Desk:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    _store: ImageStore | None = None
    _provider: ImageProvider | None = None
    _read_sessions: sessionmaker[Session] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with transaction(self.sessions) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reading only: on SQLite it does not take the write lock, so long
        reads (pages, exports) never make a reviewer's decision wait."""
        with transaction(self._readers) as session:
            yield session

    @property
    def _readers(self) -> sessionmaker[Session]:
        if self._read_sessions is None:
            self._read_sessions = make_session_factory(self.engine, read_only=True)
        return self._read_sessions

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def store(self) -> ImageStore:
        with self._lock:
            if self._store is None:
                self._store = make_store(self.settings)
            return self._store

    @property
    def provider(self) -> ImageProvider:
        """The configured image provider; a missing key raises ConfigError when first used."""
        with self._lock:
            if self._provider is None:
                self._provider = make_provider(self.settings)
            return self._provider

    def use_store(self, store: ImageStore) -> None:
        self._store = store

    def use_provider(self, provider: ImageProvider) -> None:
        self._provider = provider

    def dispose(self) -> None:
        self.engine.dispose()


def open_desk(settings: Settings | None = None, *, run_migrations: bool = True) -> Desk:
    """Open the image store and the database (migrating it unless told not to).

    The store is checked first (`preflight`: once per process, for backends that need it), so
    a missing bucket or a key without rights stops the desk with one StorageUnavailable naming
    the setting to fix, before a migration, a page or a command does any work.
    """
    settings = settings or load_settings()
    store = make_store(settings)
    try:
        preflight(store)
    except Exception:
        close = getattr(store, "close", None)
        if close is not None:
            close()
        raise
    engine = create_db_engine(settings.database_url)
    if run_migrations:
        try:
            migrate(engine)
        except (OperationalError, InterfaceError) as exc:  # the first time it is reached
            engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise DatabaseUnavailable(
                f"The desk cannot reach its database ({reason}). Check STAGE8_DATABASE_URL and "
                "that the server is running, then try again."
            ) from None
    return Desk(
        settings=settings, engine=engine, sessions=make_session_factory(engine), _store=store
    )
