"""What only the Supabase backend must do, against a fake that answers like the real server.

The real storage-api (supabase/storage 1.11) sends errors with HTTP 400 and the status in the
body, answers 200 `[]` when listing or removing in a missing bucket or with a key that may not
delete, and fails reads that race an overwrite with HTTP 500. Each case the server showed is
here, first as what the fake puts on the wire, then as what the backend makes of it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from storage3.exceptions import StorageApiError
from supabase import Client

from stage8.config import Settings
from stage8.errors import ConfigError, ObjectNotFound, StorageError
from stage8.storage import make_store
from stage8.storage.local import LocalStore
from stage8.storage.supabase import SupabaseStore
from tests.fakes.supabase_storage import FakeSupabaseStorage
from tests.integration.storage.helpers import BUCKET, KEY, keys_of

OTHER = "project_1/assets/7/master_ffffffffffff.png"


def wire(fake: FakeSupabaseStorage, method: str, path: str, key: str = "", **kw) -> httpx.Response:
    """One raw request to the fake, as the client would send it with `key`."""
    token = key or fake.key
    headers = {"apikey": token, "Authorization": f"Bearer {token}"}
    return httpx.request(method, f"{fake.url}/storage/v1/{path}", headers=headers, **kw)


# The wire: what the fake answers, case by case ----------------------------------------------


def test_object_errors_are_http_400_with_the_status_in_the_body(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    missing = wire(fake_supabase, "GET", f"object/{BUCKET}/{KEY}")
    assert missing.status_code == 400
    assert missing.json()["statusCode"] == "404" and missing.json()["error"] == "not_found"
    no_bucket = wire(fake_supabase, "GET", f"object/nope/{KEY}")
    assert (no_bucket.status_code, no_bucket.json()["code"]) == (400, "NoSuchBucket")
    fake_supabase.fail_reads(1)
    assert wire(fake_supabase, "GET", f"object/{BUCKET}/{KEY}").status_code == 500


def test_listing_or_removing_in_a_missing_bucket_answers_an_empty_list(
    fake_supabase: FakeSupabaseStorage,
) -> None:
    listing = wire(fake_supabase, "POST", "object/list/nope", json={"prefix": ""})
    removal = wire(fake_supabase, "DELETE", "object/nope", json={"prefixes": [KEY]})
    assert (listing.status_code, listing.json()) == (200, [])
    assert (removal.status_code, removal.json()) == (200, [])


BROKEN_KEYS = {
    "malformed": (lambda fake: "not-a-jwt", "Invalid Compact JWS"),
    "expired": (lambda fake: fake.token(expires_in=-60), '"exp" claim timestamp check failed'),
    "foreign": (lambda fake: fake.token(secret="other-project"), "signature verification failed"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_KEYS))
def test_a_broken_key_reads_as_anon_and_is_refused_elsewhere(
    fake_supabase: FakeSupabaseStorage, kind: str
) -> None:
    make_key, words = BROKEN_KEYS[kind]
    key = make_key(fake_supabase)
    fake_supabase.create_bucket("other")
    read = wire(fake_supabase, "GET", f"object/{BUCKET}/{KEY}", key)
    assert (read.status_code, read.json()["code"]) == (400, "NoSuchBucket")
    for method, path, body in [
        ("POST", f"object/list/{BUCKET}", {"prefix": ""}),
        ("DELETE", f"object/{BUCKET}", {"prefixes": [KEY]}),
        ("POST", f"object/{BUCKET}/{KEY}", None),
    ]:
        answer = wire(fake_supabase, method, path, key, json=body)
        assert answer.status_code == 400
        assert (answer.json()["code"], answer.json()["message"]) == ("InvalidJWT", words)


def test_the_anon_key_sees_nothing_and_deletes_nothing(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    anon = fake_supabase.anon_key
    assert wire(fake_supabase, "GET", f"object/{BUCKET}/{KEY}", anon).json()["error"] == "not_found"
    listing = wire(fake_supabase, "POST", f"object/list/{BUCKET}", anon, json={"prefix": ""})
    assert listing.json() == []
    removal = wire(fake_supabase, "DELETE", f"object/{BUCKET}", anon, json={"prefixes": [KEY]})
    assert (removal.status_code, removal.json()) == (200, [])
    upload = wire(fake_supabase, "POST", f"object/{BUCKET}/{OTHER}", anon, content=b"y")
    assert upload.json()["message"] == "new row violates row-level security policy"
    assert fake_supabase.object(BUCKET, KEY).data == b"x"


def test_the_fake_refuses_duplicates_without_upsert(raw_client: Callable[..., Client]) -> None:
    files = raw_client().storage.from_(BUCKET)
    files.upload("a/b.png", b"1", {"content-type": "image/png"})
    with pytest.raises(StorageApiError) as raised:
        files.upload("a/b.png", b"2", {"content-type": "image/png"})
    assert str(raised.value.status) == "409"


# The backend ---------------------------------------------------------------------------------


def test_missing_bucket_is_named_by_every_operation(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    store = open_store(fake_supabase.url, fake_supabase.key, "no-such-bucket")
    calls = [
        lambda: store.get(KEY),
        lambda: store.exists(KEY),
        lambda: list(store.list()),
        lambda: list(store.list("project_1/")),
        lambda: store.remove([KEY]),
        lambda: store.put(KEY, b"x", "image/png"),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="STAGE8_BUCKET") as raised:
            call()
        assert "'no-such-bucket'" in str(raised.value)
        assert not isinstance(raised.value, ObjectNotFound)
    fake_supabase.create_bucket("no-such-bucket")
    assert not store.exists(KEY)
    assert keys_of(store) == []
    store.remove([KEY])  # an absent key in a bucket that exists is not an error


@pytest.mark.parametrize("kind", sorted(BROKEN_KEYS))
def test_a_broken_key_is_never_a_missing_object(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore], kind: str
) -> None:
    key = BROKEN_KEYS[kind][0](fake_supabase)
    store = open_store(fake_supabase.url, key, BUCKET)
    calls = [
        lambda: store.get(KEY),
        lambda: store.exists(KEY),
        lambda: list(store.list()),
        lambda: store.remove([KEY]),
        lambda: store.put(KEY, b"x", "image/png"),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="SUPABASE_KEY") as raised:
            call()
        assert not isinstance(raised.value, ObjectNotFound)
        assert key not in str(raised.value)


def test_the_anon_key_cannot_remove_and_says_which_objects_stay(
    supabase_store: SupabaseStore,
    fake_supabase: FakeSupabaseStorage,
    open_store: Callable[..., SupabaseStore],
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    supabase_store.put(OTHER, b"y", "image/png")
    anon = open_store(fake_supabase.url, fake_supabase.anon_key, BUCKET)
    with pytest.raises(StorageError, match="removed none of 2 objects") as raised:
        anon.remove([KEY, OTHER])
    assert KEY in str(raised.value) and OTHER in str(raised.value)
    assert "anon key" in str(raised.value)
    assert keys_of(supabase_store) == sorted([KEY, OTHER])
    with pytest.raises(StorageError, match="SUPABASE_KEY"):
        list(anon.list())  # not an empty bucket
    with pytest.raises(StorageError, match="row-level security"):
        anon.put(KEY, b"z", "image/png")


def test_remove_names_objects_the_server_kept(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    supabase_store.put(OTHER, b"y", "image/png")
    fake_supabase.undeletable.add(KEY)  # a policy keeps it: the server answers 200 without it
    with pytest.raises(StorageError, match=r"did not remove 1 object \(" + KEY):
        supabase_store.remove([KEY, OTHER, "project_1/never_stored.png"])
    assert keys_of(supabase_store) == [KEY]


@pytest.mark.parametrize("failures", [1, 2])
def test_reads_are_tried_again_after_a_server_error(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage, failures: int
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    for read in (
        lambda: supabase_store.get(KEY) == b"x",
        lambda: supabase_store.exists(KEY),
        lambda: keys_of(supabase_store) == [KEY],
    ):
        fake_supabase.fail_reads(failures)
        assert read()


def test_reads_give_up_after_three_tries_and_say_so(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    for read in (
        lambda: supabase_store.get(KEY),
        lambda: supabase_store.exists(KEY),
        lambda: list(supabase_store.list()),
    ):
        fake_supabase.fail_reads(3)
        with pytest.raises(StorageError, match=r"failed 3 times in a row.*ENOENT"):
            read()
    assert supabase_store.get(KEY) == b"x"


def test_readers_racing_overwrites_get_the_object(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    versions = [bytes([n]) * 1000 for n in range(4)]
    supabase_store.put(KEY, versions[0], "image/png")
    for n in range(12):
        fake_supabase.fail_reads(2)  # what 22 of 40 racing reads got from the real server
        supabase_store.put(KEY, versions[n % 4], "image/png")
        assert supabase_store.get(KEY) == versions[n % 4]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_writes_are_not_retried(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage, method: str
) -> None:
    supabase_store.put(KEY, b"x", "image/png")
    fake_supabase.fail_next(method, 500)
    operation = {
        "POST": lambda: supabase_store.put(KEY, b"y", "image/png"),
        "DELETE": lambda: supabase_store.remove([KEY]),
    }[method]
    with pytest.raises(StorageError, match="try again") as raised:
        operation()
    assert "times in a row" not in str(raised.value)
    assert supabase_store.get(KEY) == b"x"  # the next request goes through


def test_the_hosted_gateway_refuses_an_unknown_api_key(
    fake_supabase: FakeSupabaseStorage, open_store: Callable[..., SupabaseStore]
) -> None:
    fake_supabase.gateway = True
    store = open_store(fake_supabase.url, "not-the-key", BUCKET)
    for call in (lambda: store.put(KEY, b"x", "image/png"), lambda: store.get(KEY)):
        with pytest.raises(StorageError, match="SUPABASE_KEY") as raised:
            call()
        assert not isinstance(raised.value, ObjectNotFound)
        assert "Invalid API key" in str(raised.value)
        assert "not-the-key" not in str(raised.value)


def test_a_rejected_user_token_names_supabase_key(
    fake_supabase: FakeSupabaseStorage, raw_client: Callable[..., Client]
) -> None:
    client = raw_client(headers={"Authorization": "Bearer expired-user-token"})
    store = SupabaseStore(fake_supabase.url, fake_supabase.key, BUCKET, client=client)
    with pytest.raises(StorageError, match="SUPABASE_KEY"):
        store.exists(KEY)


def test_upload_sends_the_explicit_content_type(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    key = "project_1/images/ab/abcdef.webp"
    supabase_store.put(key, b"RIFF....WEBP", "image/webp")
    assert fake_supabase.object(BUCKET, key).content_type == "image/webp"
    response = httpx.get(supabase_store.signed_url(key))
    assert response.headers["content-type"] == "image/webp"


def test_gateway_error_page_is_reported_readably(
    supabase_store: SupabaseStore, fake_supabase: FakeSupabaseStorage
) -> None:
    fake_supabase.fail_next("GET", 502, 3, body=b"<html><h1>502 Bad Gateway</h1></html>")
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
    keys = [f"project_1/images/aa/{n:03d}.png" for n in range(120)]
    keys += [f"project_1/images/aa/sub/{n:03d}.png" for n in range(3)]
    for key in keys:
        supabase_store.put(key, b"x", "image/png")
    fake_supabase.requests.clear()
    assert keys_of(supabase_store, "project_1/images/") == sorted(keys)
    assert sum(path.endswith(f"/list/{BUCKET}") for _, path in fake_supabase.requests) > 5
    fake_supabase.requests.clear()
    supabase_store.remove(keys * 2)  # 123 distinct keys: two requests of at most 100
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
