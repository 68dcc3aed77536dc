"""One contract for every image store: the local folder and Supabase Storage.

The Supabase backend runs the real `supabase` client against the loopback fake server in
tests/fakes/supabase_storage.py, so the HTTP calls and the client's error handling are real.
What only the Supabase backend must do is in test_supabase.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from stage8.errors import ObjectNotFound, StorageError
from stage8.storage import ImageStore
from stage8.storage.local import LocalStore
from tests.integration.storage.helpers import BINARY, KEY, fetch, keys_of

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
    # Non-ASCII names: the real server answers 400 InvalidKey; the desk refuses them first.
    "project_1/caf\u00e9.png",
    "project_1/\u043a\u043b\u044e\u0447.png",
    "project_1/\u753b\u50cf.png",
    "project_1/e\u0301.png",
    "project_1/a\u200bb.png",
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
