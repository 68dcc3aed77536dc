"""One contract for every image store, then what only the Supabase backend must do.

The Supabase backend runs the real `supabase` client against the loopback fake server in
tests/fakes/supabase_storage.py, so the HTTP calls and the client's error handling are real.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx
import pytest
from storage3.exceptions import StorageApiError
from supabase import Client, ClientOptions, create_client

from stage8.config import Settings
from stage8.errors import ConfigError, ObjectNotFound, StorageError
from stage8.storage import ImageStore, make_store
from stage8.storage.local import LocalStore
from stage8.storage.supabase import SupabaseStore
from tests.fakes.supabase_storage import FakeSupabaseStorage

BUCKET = "stage8"
# Bytes that break naive handling: NULs, CRLFs, something that looks like a multipart boundary.
BINARY = bytes(range(256)) * 8 + b"\r\n--boundary\r\n\x00\xff" + b"\x89PNG\r\n\x1a\n"
KEY = "project_1/assets/7/master_0123456789ab.png"


@pytest.fixture
def fake_supabase() -> Iterator[FakeSupabaseStorage]:
    with FakeSupabaseStorage() as fake:
        yield fake


@pytest.fixture
def open_store(request: pytest.FixtureRequest) -> Callable[..., SupabaseStore]:
    """SupabaseStore(...) that is closed when the test ends."""

    def make(*args: Any, **kwargs: Any) -> SupabaseStore:
        store = SupabaseStore(*args, **kwargs)
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

        def make(**options: Any) -> Client:
            http = stack.enter_context(httpx.Client())
            client_options = ClientOptions(httpx_client=http, **options)
            return create_client(fake_supabase.url, fake_supabase.key, client_options)

        yield make


def fetch(url: str) -> bytes:
    if url.startswith("file://"):
        return Path(url2pathname(urlsplit(url).path)).read_bytes()
    response = httpx.get(url)
    assert response.status_code == 200, response.text
    return response.content


def keys_of(store: ImageStore, prefix: str = "") -> list[str]:
    return [obj.key for obj in store.list(prefix)]


# The contract -------------------------------------------------------------------------------


def test_store_satisfies_the_protocol(store: ImageStore) -> None:
    assert isinstance(store, ImageStore)
    assert store.name in ("local", "supabase")


def test_put_then_get_returns_the_same_bytes(store: ImageStore) -> None:
    store.put(KEY, BINARY, "image/png")
    assert store.get(KEY) == BINARY


def test_put_overwrites_an_existing_object(store: ImageStore) -> None:
    store.put(KEY, b"first version", "image/png")
    store.put(KEY, b"second", "image/png")
    assert store.get(KEY) == b"second"
    assert [(obj.key, obj.size) for obj in store.list("project_1/")] == [(KEY, 6)]


def test_exists_is_true_only_for_stored_objects(store: ImageStore) -> None:
    assert not store.exists(KEY)
    store.put(KEY, b"x", "image/png")
    assert store.exists(KEY)
    assert not store.exists("project_1/assets/7")  # a folder is not an object
    assert not store.exists(KEY.removesuffix(".png"))  # nor is a prefix of a name
    assert not store.exists("project_1/assets/7/master_0123456789ab.pn_")


def test_get_missing_object_raises_object_not_found(store: ImageStore) -> None:
    with pytest.raises(ObjectNotFound, match=r"master_missing\.png"):
        store.get("project_1/assets/7/master_missing.png")
    store.put(KEY, b"x", "image/png")
    with pytest.raises(ObjectNotFound):
        store.get("project_1/assets/7")  # a folder


def test_remove_deletes_and_ignores_missing_keys(store: ImageStore) -> None:
    other = "project_1/assets/7/master_ffffffffffff.png"
    store.put(KEY, b"x", "image/png")
    store.put(other, b"y", "image/png")
    store.remove([KEY, "project_1/assets/7/never_stored.png"])
    assert not store.exists(KEY)
    assert store.exists(other)
    store.remove([KEY])  # already gone
    store.remove([])
    assert keys_of(store) == [other]


def test_remove_a_large_batch(store: ImageStore) -> None:
    keys = [f"project_2/images/{n % 7:02d}/{n:04d}.png" for n in range(150)]
    for key in keys:
        store.put(key, b"%d" % len(key), "image/png")
    assert len(keys_of(store, "project_2/")) == 150
    store.remove(iter(keys))  # any iterable, not only lists
    assert keys_of(store) == []


def test_list_walks_nested_folders_and_filters_by_prefix(store: ImageStore) -> None:
    base = "project_1/scene_3/scene-assets"
    keys = sorted(
        [
            f"{base}/generated/11/1_aaaaaaaaaaaa.png",
            f"{base}/generated/11/2_bbbbbbbbbbbb.png",
            f"{base}/generated/11/2_bbbbbbbbbbbb.thumb.jpg",
            f"{base}/uploads/12/1_cccccccccccc.webp",
            "project_1/assets/7/master_dddddddddddd.png",
            "project_10/assets/1/master_eeeeeeeeeeee.png",
            "top.png",
        ]
    )
    for key in keys:
        store.put(key, key.encode(), "image/png")

    assert keys_of(store) == keys
    assert keys_of(store, "project_1/") == [k for k in keys if k.startswith("project_1/")]
    assert keys_of(store, f"{base}/") == [k for k in keys if k.startswith(base)]
    assert keys_of(store, f"{base}/generated/11/2_") == [
        f"{base}/generated/11/2_bbbbbbbbbbbb.png",
        f"{base}/generated/11/2_bbbbbbbbbbbb.thumb.jpg",
    ]
    # A prefix is a string prefix, not a folder: "project_1" also matches "project_10/...".
    assert keys_of(store, "project_1") == [k for k in keys if k.startswith("project_1")]
    assert keys_of(store, "PROJECT_1/") == []
    assert keys_of(store, "nothing/here/") == []


def test_list_reports_sizes_and_utc_times(store: ImageStore) -> None:
    store.put("project_1/a/b/c/one.png", b"1", "image/png")
    store.put("project_1/a/b/c/two.png", BINARY, "image/png")
    listed = {obj.key: obj for obj in store.list("project_1/a/")}
    assert {key: obj.size for key, obj in listed.items()} == {
        "project_1/a/b/c/one.png": 1,
        "project_1/a/b/c/two.png": len(BINARY),
    }
    now = datetime.now(UTC)
    for obj in listed.values():
        assert obj.updated_at is not None
        assert obj.updated_at.utcoffset() == timedelta(0)
        assert abs(now - obj.updated_at) < timedelta(minutes=5)


def test_signed_url_serves_the_bytes(store: ImageStore) -> None:
    store.put(KEY, BINARY, "image/png")
    assert fetch(store.signed_url(KEY, expires_in=60)) == BINARY
    with pytest.raises(ObjectNotFound):
        store.signed_url("project_1/assets/7/master_missing.png")


def test_readers_never_see_a_partial_write(store: ImageStore) -> None:
    versions = [bytes([n]) * 300_000 for n in range(6)]
    store.put(KEY, versions[0], "image/png")
    with ThreadPoolExecutor(max_workers=8) as pool:
        writes = [pool.submit(store.put, KEY, data, "image/png") for data in versions * 2]
        reads = [pool.submit(store.get, KEY) for _ in range(24)]
        for future in writes:
            future.result()
        assert all(future.result() in versions for future in reads)
    assert keys_of(store) == [KEY]
    if isinstance(store, LocalStore):
        assert list(store.root.rglob(".*")) == []  # no temporary files left behind


BAD_KEYS = [
    "",
    "/project_1/a.png",
    "project_1\\a.png",
    "project_1/../a.png",
    "../a.png",
    "project_1/./a.png",
    "project_1//a.png",
    "project_1/a b.png",
    "project_1/caf\u00e9.png",
    "project_1/a.png?x=1",
    "project_1/%2e%2e/a.png",
    "project_1/.hidden.png",
    "project_1/folder/",
    "x" * 1025,
]


@pytest.mark.parametrize("bad_key", BAD_KEYS)
def test_invalid_keys_are_rejected_before_any_io(
    store: ImageStore, bad_key: str, request: pytest.FixtureRequest
) -> None:
    calls = [
        lambda: store.put(bad_key, b"x", "image/png"),
        lambda: store.get(bad_key),
        lambda: store.exists(bad_key),
        lambda: store.remove([KEY, bad_key]),  # the valid key first: nothing may be deleted
        lambda: store.signed_url(bad_key),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="Invalid storage key"):
            call()
    if bad_key and not bad_key.endswith("/"):
        with pytest.raises(StorageError, match="Invalid storage key"):
            store.list(bad_key)  # raises on the call, not on the first iteration
    if store.name == "supabase":
        assert request.getfixturevalue("fake_supabase").requests == []
    else:
        assert not store.root.exists()


# Supabase only ------------------------------------------------------------------------------


def test_upload_sends_the_explicit_content_type(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    key = "project_1/images/ab/abcdef.webp"
    supabase_store.put(key, b"RIFF....WEBP", "image/webp")
    assert fake_supabase.object(BUCKET, key).content_type == "image/webp"
    response = httpx.get(supabase_store.signed_url(key))
    assert response.headers["content-type"] == "image/webp"


def test_the_fake_refuses_duplicates_without_upsert(raw_client: Callable[..., Client]) -> None:
    files = raw_client().storage.from_(BUCKET)
    files.upload("a/b.png", b"1", {"content-type": "image/png"})
    with pytest.raises(StorageApiError) as raised:
        files.upload("a/b.png", b"2", {"content-type": "image/png"})
    assert str(raised.value.status) == "409"


def test_wrong_api_key_names_supabase_key(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    store = open_store(fake_supabase.url, "not-the-key", BUCKET)
    for call in (lambda: store.put(KEY, b"x", "image/png"), lambda: store.get(KEY)):
        with pytest.raises(StorageError, match="SUPABASE_KEY") as raised:
            call()
        assert not isinstance(raised.value, ObjectNotFound)
        assert "Invalid API key" in str(raised.value)
        assert "not-the-key" not in str(raised.value)


def test_rejected_token_names_supabase_key(
    fake_supabase: FakeSupabaseStorage, raw_client: Callable[..., Client]
) -> None:
    client = raw_client(headers={"Authorization": "Bearer expired-user-token"})
    store = SupabaseStore(fake_supabase.url, fake_supabase.key, BUCKET, client=client)
    with pytest.raises(StorageError, match="SUPABASE_KEY"):
        store.exists(KEY)


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_server_errors_become_storage_errors(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage, method: str
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    fake_supabase.fail_next(method, 500)
    operation = {
        "POST": lambda: supabase_store.put(KEY, b"y", "image/png"),
        "GET": lambda: supabase_store.get(KEY),
        "DELETE": lambda: supabase_store.remove([KEY]),
    }[method]
    with pytest.raises(StorageError, match="try again") as raised:
        operation()
    assert not isinstance(raised.value, ObjectNotFound)
    assert supabase_store.get(KEY) == b"x"  # the next request goes through


def test_gateway_error_page_is_reported_readably(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    fake_supabase.fail_next("GET", 502, body=b"<html><h1>502 Bad Gateway</h1></html>")
    with pytest.raises(StorageError, match=r"HTTP 502\).*502 Bad Gateway"):
        supabase_store.get(KEY)


def test_a_404_from_outside_storage_is_not_a_missing_object(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    # What a proxy or a SUPABASE_URL with a wrong path answers: no storage error body.
    fake_supabase.fail_next("GET", 404, body={"message": "no Route matched with those values"})
    with pytest.raises(StorageError, match="SUPABASE_URL") as raised:
        supabase_store.get(KEY)
    assert not isinstance(raised.value, ObjectNotFound)


def test_dropped_connection_becomes_storage_error(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    fake_supabase.fail_next("POST", 0)
    with pytest.raises(StorageError, match="Could not reach Supabase Storage"):
        supabase_store.put(KEY, b"x", "image/png")


def test_unreachable_server_becomes_storage_error(
    open_store: Callable[..., SupabaseStore],
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    store = open_store(url, "some-key", BUCKET)
    with pytest.raises(StorageError, match="Could not reach Supabase Storage") as raised:
        store.get(KEY)
    assert url in str(raised.value) and "SUPABASE_URL" in str(raised.value)


def test_missing_bucket_is_not_a_missing_object(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    store = open_store(fake_supabase.url, fake_supabase.key, "no-such-bucket")
    for call in (lambda: store.get(KEY), lambda: store.exists(KEY), lambda: list(store.list())):
        with pytest.raises(StorageError, match="STAGE8_BUCKET") as raised:
            call()
        assert not isinstance(raised.value, ObjectNotFound)
    fake_supabase.create_bucket("no-such-bucket")
    assert not store.exists(KEY)


def test_not_found_with_an_exact_http_404(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    fake_supabase.legacy_status = False
    with pytest.raises(ObjectNotFound):
        supabase_store.get(KEY)
    assert not supabase_store.exists(KEY)


def test_list_and_remove_page_through_large_folders(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    supabase_store.page_size = 7
    keys = [f"project_1/images/aa/{n:03d}.png" for n in range(30)]
    keys += [f"project_1/images/aa/sub/{n:03d}.png" for n in range(3)]
    for key in keys:
        supabase_store.put(key, b"x", "image/png")
    fake_supabase.requests.clear()
    assert keys_of(supabase_store, "project_1/images/") == sorted(keys)
    assert sum(path.endswith(f"/list/{BUCKET}") for _, path in fake_supabase.requests) > 5
    fake_supabase.requests.clear()
    supabase_store.remove(keys * 5)  # 165 keys: two requests of at most 100
    assert [method for method, _ in fake_supabase.requests] == ["DELETE", "DELETE"]
    assert keys_of(supabase_store) == []


def test_look_alike_folders_are_refused_not_merged(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    # The list endpoint matches folders with ILIKE, so "project_1" would also match "projectX1".
    supabase_store.put("project_1/assets/7/master_aaaaaaaaaaaa.png", b"1", "image/png")
    supabase_store.put("projectX1/assets/7/master_bbbbbbbbbbbb.png", b"2", "image/png")
    for prefix in ("", "project_1/", "project_1/assets/"):
        with pytest.raises(StorageError, match="STAGE8_BUCKET"):
            list(supabase_store.list(prefix))
    assert supabase_store.exists("projectX1/assets/7/master_bbbbbbbbbbbb.png")
    assert not supabase_store.exists("project_1/assets/7/master_bbbbbbbbbbbb.png")


def test_list_skips_dashboard_placeholders(
    supabase_store: SupabaseStore, raw_client: Callable[..., Client]
) -> None:
    files = raw_client().storage.from_(BUCKET)
    files.upload("project_1/.emptyFolderPlaceholder", b"", {"content-type": "text/plain"})
    supabase_store.put(KEY, b"x", "image/png")
    assert keys_of(supabase_store) == [KEY]


def test_make_store_chooses_the_backend(
    tmp_path: Path, fake_supabase: FakeSupabaseStorage, request: pytest.FixtureRequest
) -> None:
    local = make_store(Settings(storage="local", storage_path=tmp_path / "s"))
    assert isinstance(local, LocalStore) and local.root == tmp_path / "s"
    remote = make_store(
        Settings(storage="supabase", supabase_url=fake_supabase.url, supabase_key="k", bucket="b")
    )
    request.addfinalizer(remote.close)
    assert isinstance(remote, SupabaseStore) and remote.bucket == "b"
    assert "k'" not in repr(remote)
    with pytest.raises(ConfigError, match="SUPABASE_URL"):
        make_store(Settings(storage="supabase"))
    with pytest.raises(ConfigError, match="SUPABASE_URL"):
        SupabaseStore("localhost:8000", "k", BUCKET)
    with pytest.raises(ConfigError, match="STAGE8_STORAGE"):
        make_store(Settings(storage="s3"))
