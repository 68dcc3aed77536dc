"""Fixtures for the image store suites: every backend, and Supabase through the real client
against the loopback fake server (tests/fakes/supabase_storage.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from supabase import Client, ClientOptions, create_client

from stage8.storage import ImageStore
from stage8.storage.local import LocalStore
from stage8.storage.supabase import SupabaseStore
from tests.fakes.supabase_storage import FakeSupabaseStorage
from tests.integration.storage.helpers import BUCKET


@pytest.fixture
def fake_supabase() -> Iterator[FakeSupabaseStorage]:
    with FakeSupabaseStorage() as fake:
        yield fake


@pytest.fixture
def open_store(request: pytest.FixtureRequest) -> Callable[..., SupabaseStore]:
    """SupabaseStore(...) that is closed when the test ends; read retries do not pause."""

    def make(*args: Any, **kwargs: Any) -> SupabaseStore:
        store = SupabaseStore(*args, **kwargs)
        store.retry_delays = (0.0, 0.0)
        request.addfinalizer(store.close)
        return store

    return make


@pytest.fixture(params=["local", "supabase"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ImageStore:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    fake = request.getfixturevalue("fake_supabase")
    return request.getfixturevalue("open_store")(fake.url, fake.key, BUCKET)


@pytest.fixture
def supabase_store(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> SupabaseStore:
    return open_store(fake_supabase.url, fake_supabase.key, BUCKET)


@pytest.fixture
def raw_client(fake_supabase: FakeSupabaseStorage) -> Iterator[Callable[..., Client]]:
    """The plain supabase client, for setting up states the store itself never creates."""
    with ExitStack() as stack:

        def make(key: str | None = None, **options: Any) -> Client:
            http = stack.enter_context(httpx.Client())
            client_options = ClientOptions(httpx_client=http, **options)
            return create_client(fake_supabase.url, key or fake_supabase.key, client_options)

        yield make
