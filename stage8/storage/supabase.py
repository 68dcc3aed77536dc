"""The Supabase Storage backend, through the official `supabase` client.

Guarantees: keys are checked before any request; uploads always send the caller's content type
(the client would otherwise label every object text/plain) and overwrite (`x-upsert: true`);
every client, HTTP and connection failure becomes a StorageError (ObjectNotFound for a missing
object) whose message says what failed and which setting to check. The API key is never put in
a message or a repr.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from storage3.exceptions import StorageApiError
from storage3.utils import StorageException
from supabase import Client, ClientOptions, SupabaseException, create_client

from stage8.errors import ConfigError, ObjectNotFound, StorageError
from stage8.storage.base import StoredObject
from stage8.storage.keys import validate_key, validate_prefix

_AUTH_CODES = {"InvalidJWT", "Unauthorized", "AccessDenied", "InvalidSignature", "ExpiredToken"}
_UNPARSED = "Unable to parse error message: "  # storage3's prefix for non-JSON error bodies
# Full-size uploads can be tens of megabytes; connecting should still fail fast.
_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


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
        # Page and batch sizes are attributes so tests can make them small.
        self.page_size = 1000
        self.remove_batch = 100

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
        with self._translate("download", key):
            return self._files().download(key)

    def exists(self, key: str) -> bool:
        """True when the bucket holds an object under key (a folder is not an object)."""
        validate_key(key)
        try:
            # /object/info compares names exactly; the list endpoint would not (see _walk).
            with self._translate("lookup", key):
                self._files().info(key)
        except ObjectNotFound:
            return False
        return True

    def remove(self, keys: Iterable[str]) -> None:
        """Delete the objects in batches; absent keys are not an error. Keys are checked first."""
        wanted = [validate_key(key) for key in keys]
        for start in range(0, len(wanted), self.remove_batch):
            batch = wanted[start : start + self.remove_batch]
            with self._translate("removal", _describe(batch)):
                self._files().remove(batch)

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

    def _files(self) -> Any:
        # Looked up on every call: the client drops its storage sub-client on auth events.
        return self._client.storage.from_(self.bucket)

    def _walk(self, prefix: str) -> Iterator[StoredObject]:
        # The list endpoint matches "<folder>/%" with ILIKE: case-insensitively and with '_'
        # as a one-character wildcard, and answers with bare names, so the listing of
        # "project_1" would silently merge in "projectX1". Walking from the root lets every
        # folder be checked against its siblings before it is listed.
        folder = prefix.rpartition("/")[0]
        parent = ""
        for name in folder.split("/") if folder else []:
            if not self._is_listable(parent, name, self._list_folder(parent)):
                return
            parent = f"{parent}/{name}" if parent else name
        found: list[StoredObject] = []
        pending = [folder]
        while pending:
            current = pending.pop()
            entries = self._list_folder(current)
            for entry in entries:
                name = entry.get("name") or ""
                key = f"{current}/{name}" if current else name
                if not key.startswith(prefix):
                    continue
                if entry.get("id") is None:  # the list endpoint marks folders with a null id
                    if self._is_listable(current, name, entries):
                        pending.append(key)
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
        while True:
            options = {"limit": self.page_size, "offset": len(entries), "sortBy": sort}
            with self._translate("listing", f"{folder or 'the bucket root'}/"):
                page = self._files().list(folder, options)
            if not isinstance(page, list):
                raise StorageError(f"Supabase Storage answered a listing with {page!r:.200}.")
            entries += [entry for entry in page if isinstance(entry, dict)]
            if len(page) < self.page_size:
                return entries

    @contextmanager
    def _translate(self, action: str, what: str) -> Iterator[None]:
        try:
            yield
        except StorageApiError as exc:
            raise self._api_error(action, what, exc) from exc
        except httpx.TimeoutException as exc:
            raise StorageError(
                f"Supabase Storage at {self.url} did not answer in time during the {action} of "
                f"{what}. Try again; if it persists, check SUPABASE_URL and the network."
            ) from exc
        except httpx.HTTPError as exc:
            raise StorageError(
                f"Could not reach Supabase Storage at {self.url} for the {action} of {what}: "
                f"{exc or type(exc).__name__}. Check SUPABASE_URL and the network connection."
            ) from exc
        except (StorageException, ValueError, KeyError) as exc:
            raise StorageError(
                f"Supabase Storage sent an unexpected answer to the {action} of {what}: {exc}."
            ) from exc

    def _api_error(self, action: str, what: str, exc: StorageApiError) -> StorageError:
        status = _status(exc.status)
        code = str(exc.code)
        message = _readable(str(exc.message))
        text = f"{code} {message}".lower()
        if code == "NoSuchBucket" or "bucket not found" in text:
            return StorageError(
                f"Supabase Storage has no bucket {self.bucket!r} (during the {action} of {what}). "
                "Create it in the Supabase dashboard or set STAGE8_BUCKET to an existing bucket."
            )
        # Evidence from the body, not the bare status: a 404 from a proxy or a wrong
        # SUPABASE_URL path must not read as "no such image".
        if code in ("not_found", "NoSuchKey") or "object not found" in text:
            return ObjectNotFound(f"No image is stored under {what} in bucket {self.bucket!r}.")
        if status in (401, 403) or code in _AUTH_CODES:
            return StorageError(
                f"Supabase Storage refused the {action} of {what}: {message}. Check SUPABASE_KEY "
                f"(use the service_role key) and that bucket {self.bucket!r} exists."
            )
        if status >= 500:
            return StorageError(
                f"Supabase Storage failed during the {action} of {what} (HTTP {status}): "
                f"{message}. The service may be briefly unavailable; try again."
            )
        return StorageError(
            f"Supabase Storage refused the {action} of {what} (HTTP {status}): {message}. "
            f"Check SUPABASE_URL, SUPABASE_KEY and that bucket {self.bucket!r} exists."
        )


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


def _status(raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError:
        return 0


def _readable(message: str) -> str:
    """storage3 reports a non-JSON or unexpected error body as one long string; shorten it."""
    if not message.startswith(_UNPARSED):
        return message
    body = message.removeprefix(_UNPARSED).strip()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for field in ("message", "msg", "error"):
            if isinstance(parsed.get(field), str) and parsed[field]:
                return parsed[field]
    return body[:200] or "no details given"


def _describe(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else f"{len(keys)} objects ({keys[0]}, ...)"


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
