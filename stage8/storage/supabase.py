"""The Supabase Storage backend, through the official `supabase` client.

Guarantees: keys are checked before any request; uploads always send the caller's content type
(the client would otherwise label every object text/plain) and overwrite (`x-upsert: true`);
reads (get, exists, list) are tried again on a 5xx answer or a dropped connection, a bounded
number of times; an empty listing or a short removal is checked against the bucket, because the
server answers 200 `[]` for a missing bucket or a key that may not delete; `remove` fails naming
every object still stored. Every client, HTTP and connection failure becomes a StorageError
(ObjectNotFound for a missing object) saying what failed and which setting to check. The API
key is never put in a message or a repr.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from supabase import Client, ClientOptions, SupabaseException, create_client

from stage8.errors import ConfigError, ObjectNotFound, StorageError
from stage8.storage.base import StoredObject
from stage8.storage.keys import validate_key, validate_prefix
from stage8.storage.supabase_errors import Translator, is_transient, key_role

# Full-size uploads can be tens of megabytes; connecting should still fail fast.
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_T = TypeVar("_T")


class SupabaseStore:
    """Objects stored in one Supabase Storage bucket."""

    name = "supabase"

    def __init__(
        self, url: str | None, key: str | None, bucket: str, client: Client | None = None
    ) -> None:
        if not bucket:
            raise ConfigError("STAGE8_BUCKET must name a Supabase Storage bucket.")
        self._own_http: httpx.Client | None = None
        if client is None:
            if not url or not key:
                raise ConfigError("Supabase storage needs SUPABASE_URL and SUPABASE_KEY.")
            # Our own httpx client: supabase would otherwise build one with parameters that
            # storage3 deprecates (a warning on every start) and a 20 s overall timeout.
            self._own_http = httpx.Client(timeout=_TIMEOUT)
            try:
                client = create_client(url, key, ClientOptions(httpx_client=self._own_http))
            except SupabaseException as exc:
                self.close()
                raise ConfigError(
                    f"Cannot use SUPABASE_URL {url!r}: {exc.message}. "
                    "It should look like https://<project>.supabase.co."
                ) from exc
        self.url = url or str(client.supabase_url)
        self.bucket = bucket
        self._client = client
        # Who this store is to the preflight's per-process cache (a digest, never the key).
        secret = hashlib.sha256((key or "").encode()).hexdigest()[:16] if key else id(client)
        self.identity = ("supabase", self.url, bucket, secret)
        self._translate = Translator(self.url, bucket, key_role(key))
        # Page and batch sizes and the pauses between read tries are attributes so tests can
        # change them.
        self.page_size = 1000
        self.remove_batch = 100
        self.retry_delays: tuple[float, ...] = (0.1, 0.3)

    def __repr__(self) -> str:
        return f"SupabaseStore(url={self.url!r}, bucket={self.bucket!r})"

    def close(self) -> None:
        """Close the HTTP connections this store opened (a client passed in is left open)."""
        if self._own_http is not None:
            self._own_http.close()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload data under key with exactly content_type, replacing any previous object."""
        validate_key(key)
        if not content_type:
            raise StorageError(f"No content type given for {key}; pass e.g. 'image/png'.")
        # storage3 treats anything that is not bytes or a file object as a path to open.
        payload = data if isinstance(data, bytes) else bytes(data)
        options = {"content-type": content_type, "upsert": "true"}
        with self._translate("upload", key):
            self._files().upload(key, payload, options)

    def get(self, key: str) -> bytes:
        """Return the object's bytes; ObjectNotFound when the bucket has no such object."""
        validate_key(key)
        return self._read("download", key, lambda: self._files().download(key))

    def exists(self, key: str) -> bool:
        """True when the bucket holds an object under key (a folder is not an object)."""
        validate_key(key)
        try:
            # /object/info compares names exactly; the list endpoint would not (see _walk).
            self._read("lookup", key, lambda: self._files().info(key))
        except ObjectNotFound:
            return False
        return True

    def remove(self, keys: Iterable[str]) -> None:
        """Delete the objects in batches; absent keys are not an error. Keys are checked first.

        The server answers with the objects it deleted. Any other key asked for is looked up:
        StorageError naming those still stored (a key without delete rights deletes nothing
        and still answers 200), or naming the bucket when it is missing or hidden from the key.
        """
        wanted = list(dict.fromkeys(validate_key(key) for key in keys))
        missed: list[str] = []
        for start in range(0, len(wanted), self.remove_batch):
            batch = wanted[start : start + self.remove_batch]
            with self._translate("removal", _describe(batch)):
                answer = self._files().remove(batch)
            removed = {e.get("name") for e in answer or [] if isinstance(e, dict)}
            missed += [key for key in batch if key not in removed]
        if missed:
            self._confirm_absent(missed)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every object whose key starts with prefix, in key order, recursing into folders."""
        validate_prefix(prefix)
        return self._walk(prefix)

    def signed_url(self, key: str, expires_in: int = 3600) -> str:
        """A URL anyone can GET the object from for expires_in seconds."""
        validate_key(key)
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 1:
            raise StorageError(f"expires_in must be a positive number of seconds: {expires_in!r}")
        with self._translate("signing", key):
            url = self._files().create_signed_url(key, expires_in).get("signedURL")
        if not url:
            raise StorageError(f"Supabase Storage returned no signed URL for {key}.")
        return url

    def require_bucket(self, during: str) -> None:
        """StorageError naming STAGE8_BUCKET unless the key can see the bucket."""
        self._read("bucket lookup", during, lambda: self._client.storage.get_bucket(self.bucket))

    def _files(self) -> Any:
        # Looked up on every call: the client drops its storage sub-client on auth events.
        return self._client.storage.from_(self.bucket)

    def _read(self, action: str, what: str, call: Callable[[], _T]) -> _T:
        """call() under _translate, tried again after each pause in retry_delays when it fails
        in a way that may pass (a 5xx, such as a read racing an overwrite, or a lost
        connection)."""
        tries = len(self.retry_delays) + 1
        for attempt in range(tries):
            try:
                with self._translate(action, what):
                    return call()
            except StorageError as exc:
                if not is_transient(exc.__cause__):
                    raise
                if attempt == tries - 1:
                    raise StorageError(
                        f"The {action} of {what} failed {tries} times in a row: {exc}"
                    ) from exc
            time.sleep(self.retry_delays[attempt])
        raise AssertionError("unreachable")  # the last try returns or raises

    def _confirm_absent(self, keys: list[str]) -> None:
        try:
            self.require_bucket(_describe(keys))
        except StorageError as exc:
            raise StorageError(f"Supabase Storage removed none of {_name(keys)}: {exc}") from exc
        still = [key for key in keys if self.exists(key)]
        if still:
            raise StorageError(
                f"Supabase Storage did not remove {_name(still)} from bucket {self.bucket!r} "
                f"although asked to. {self._translate.key_hint()}"
            )

    def _walk(self, prefix: str) -> Iterator[StoredObject]:
        # The list endpoint matches "<folder>/%" with ILIKE: case-insensitively and with '_'
        # as a one-character wildcard, and answers with bare names, so the listing of
        # "project_1" would silently merge in "projectX1". Walking from the root lets every
        # folder be checked against its siblings before it is listed.
        folder = prefix.rpartition("/")[0]
        entries = self._list_folder("")
        if not entries:
            # A missing bucket, or one the key cannot see, is listed as empty too.
            self.require_bucket(f"the listing of {prefix or 'the bucket'}")
            return
        parent = ""
        for name in folder.split("/") if folder else []:
            if not self._is_listable(parent, name, entries):
                return
            parent = f"{parent}/{name}" if parent else name
            entries = self._list_folder(parent)
        found: list[StoredObject] = []
        pending = [(folder, entries)]
        while pending:
            current, entries = pending.pop()
            for entry in entries:
                name = entry.get("name") or ""
                key = f"{current}/{name}" if current else name
                if not key.startswith(prefix):
                    continue
                if entry.get("id") is None:  # the list endpoint marks folders with a null id
                    if self._is_listable(current, name, entries):
                        pending.append((key, self._list_folder(key)))
                # Names the desk cannot have written, such as the dashboard's
                # .emptyFolderPlaceholder, are skipped.
                elif _is_valid_key(key):
                    found.append(_stored_object(key, entry))
        yield from sorted(found, key=lambda obj: obj.key)

    def _is_listable(self, parent: str, name: str, entries: list[dict[str, Any]]) -> bool:
        """False when parent has no folder name; StorageError when a sibling would merge in."""
        folders = [entry.get("name") or "" for entry in entries if entry.get("id") is None]
        if name not in folders:
            return False
        for other in folders:
            if other != name and _ilike_matches(name, other):
                where = f"{parent}/" if parent else "the bucket root"
                raise StorageError(
                    f"Supabase Storage cannot list folder {name!r} in {where} on its own: its "
                    f"listing would also include folder {other!r} (names are compared "
                    "case-insensitively, '_' matches any character). Keep the desk's images "
                    "in a bucket of their own (STAGE8_BUCKET)."
                )
        return True

    def _list_folder(self, folder: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        sort = {"column": "name", "order": "asc"}
        what = f"{folder or 'the bucket root'}/"
        while True:
            options = {"limit": self.page_size, "offset": len(entries), "sortBy": sort}
            page = self._read("listing", what, lambda o=options: self._files().list(folder, o))
            if not isinstance(page, list):
                raise StorageError(f"Supabase Storage answered a listing with {page!r:.200}.")
            entries += [entry for entry in page if isinstance(entry, dict)]
            if len(page) < self.page_size:
                return entries


def _stored_object(key: str, entry: dict[str, Any]) -> StoredObject:
    metadata = entry.get("metadata") or {}
    size = metadata.get("size", metadata.get("contentLength", 0))
    stamp = entry.get("updated_at") or metadata.get("lastModified")
    return StoredObject(key=key, size=int(size or 0), updated_at=_utc(stamp))


def _utc(stamp: object) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    # A stamp without an offset is UTC: that is what the Storage database stores.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _describe(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else f"{len(keys)} objects ({keys[0]}, ...)"


def _name(keys: list[str], most: int = 5) -> str:
    """Every key up to `most`, then how many more: enough to find them, short enough to read."""
    shown = ", ".join(keys[:most])
    more = f" and {len(keys) - most} more" if len(keys) > most else ""
    return f"{len(keys)} object{'s' if len(keys) != 1 else ''} ({shown}{more})"


def _ilike_matches(pattern: str, name: str) -> bool:
    """Whether Storage's `ILIKE '<pattern>/%'` matches `<name>/...` (keys hold no '%')."""
    return len(pattern) == len(name) and all(
        p == "_" or p.lower() == n.lower() for p, n in zip(pattern, name, strict=True)
    )


def _is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except StorageError:
        return False
    return True
