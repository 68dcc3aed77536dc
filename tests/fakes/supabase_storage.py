"""A loopback Supabase Storage server for tests: the REST endpoints the storage3 client calls.

It answers like the real storage-api (supabase/storage 1.11, observed), not like the hosted
gateway in front of it:
- Errors are JSON `{"statusCode", "code", "error", "message"}` sent with HTTP 400 (500 for
  internal errors) while the body carries the real status ("404" for a missing object or
  bucket, "409" for a duplicate); set `legacy_status = False` to send the body status as the
  HTTP status, as newer routes do.
- The bearer token decides (tests/fakes/supabase_tokens.py): `key` is a service_role JWT,
  `anon_key` the anon one, `token(...)` crafts others. A malformed, expired or wrongly signed
  token makes reads fall back to the anon role and answer NoSuchBucket, while list, upload,
  remove, sign and bucket routes answer InvalidJWT with the JWT library's message. The anon role
  sees no private bucket: get and info say not_found, list and remove answer 200 `[]` (nothing
  deleted), upload breaks the row-level security policy.
- Listing or removing in a missing bucket answers 200 `[]`; reads and uploads say NoSuchBucket.
- `undeletable` holds keys a row-level security policy keeps: their removal answers 200 `[]`.
- `gateway = True` adds the hosted API gateway's check: an unknown `apikey` header gets 401.
- The list endpoint returns folders (entries with id null) before files and matches prefixes
  like the server's SQL does (ILIKE: case-insensitive, '_' matches any character).

    with FakeSupabaseStorage() as fake:
        client = create_client(fake.url, fake.key)
        fake.fail_next("POST", 500)  # the next POST fails
        fake.fail_reads(2)  # the next two reads (get, info, list) fail with HTTP 500
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.fakes import supabase_tokens
from tests.fakes import supabase_wire as wire
from tests.fakes.supabase_wire import FakeObject

PREFIX = "/storage/v1/"


@dataclass
class _Failure:
    method: str
    status: int
    count: int
    body: bytes
    path_contains: str


class _Reply(Exception):
    """Raised by a route to end the request with this status and JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.payload = status, json.dumps(body).encode()


def _no_route() -> _Reply:
    return _Reply(404, {"statusCode": 404, "error": "Not Found", "message": "Route not found"})


class FakeSupabaseStorage:
    """The server and its state; `.url` and `.key` are what `create_client` takes."""

    def __init__(
        self, buckets: tuple[str, ...] = ("stage8",), *, jwt_secret: str = "fake-project-secret"
    ) -> None:
        self.jwt_secret = jwt_secret
        self.key = self.token("service_role", expires_in=365 * 24 * 3600)
        self.anon_key = self.token("anon", expires_in=365 * 24 * 3600)
        self.buckets: dict[str, dict[str, FakeObject]] = {name: {} for name in buckets}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.legacy_status = True
        self.gateway = False
        # Keys a row-level security policy keeps: removing them answers 200 without them.
        self.undeletable: set[str] = set()
        self._tokens: dict[str, tuple[str, str, float]] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))
        self._thread.daemon = True
        self._thread.start()

    def __enter__(self) -> FakeSupabaseStorage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token(self, role: str = "service_role", *, expires_in: int = 3600, secret: str = "") -> str:
        """A JWT for `role`; negative `expires_in`: expired; `secret`: another project's."""
        return supabase_tokens.sign(secret or self.jwt_secret, role, expires_in=expires_in)

    def create_bucket(self, name: str) -> None:
        with self._lock:
            self.buckets.setdefault(name, {})

    def object(self, bucket: str, path: str) -> FakeObject:
        """The stored object (KeyError when absent): its bytes and recorded content type."""
        with self._lock:
            return self.buckets[bucket][path]

    def fail_next(
        self,
        method: str,
        status: int,
        count: int = 1,
        *,
        body: bytes | dict[str, Any] | None = None,
        path_contains: str = "",
    ) -> None:
        """Answer the next `count` matching requests with `status` (0: drop the connection).

        `method` "READ" matches reads of any kind (get, info, list). The default body is the
        server's InternalError JSON; pass bytes for a non-JSON body.
        """
        if body is None:
            body = wire.error(status, "InternalError", "Injected failure")
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self._lock:
            self._failures.append(_Failure(method.upper(), status, count, raw, path_contains))

    def fail_reads(self, count: int) -> None:
        """The next `count` reads fail as reads racing an overwrite of the same key did on the
        real server (file backend): HTTP 500 with the file system's ENOENT."""
        enoent = "ENOENT: no such file or directory, open '/var/lib/storage/stage8/object'"
        body = wire.error(500, "InternalError", enoent, "internal")
        self.fail_next("READ", 500, count, body=body)

    def _take_failure(self, method: str, path: str) -> _Failure | None:
        read = _is_read(method, path)
        with self._lock:
            for failure in self._failures:
                matches = failure.method == method or (failure.method == "READ" and read)
                if matches and failure.path_contains in path:
                    failure.count -= 1
                    if failure.count <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _storage_error(self, status: int, code: str, message: str, error: str = "") -> _Reply:
        http_status = status if not self.legacy_status or status >= 500 else 400
        return _Reply(http_status, wire.error(status, code, message, error))

    def _role(self, headers: Any) -> tuple[str, str]:
        """(role, why): role "service_role", "anon", or "invalid" with the JWT library's words."""
        if self.gateway and headers.get("apikey") not in (self.key, self.anon_key):
            raise _Reply(401, {"message": "Invalid API key", "hint": "Check the apikey header"})
        auth = headers.get("authorization") or ""
        if not auth.startswith("Bearer "):
            return "anon", ""
        try:
            return supabase_tokens.verify(self.jwt_secret, auth.removeprefix("Bearer ")), ""
        except supabase_tokens.TokenError as exc:
            return "invalid", str(exc)

    # Routes. Each returns (status, content type, body bytes) or raises _Reply.

    def _route(
        self, method: str, parts: list[str], query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        if method == "GET" and parts[:2] == ["object", "sign"] and len(parts) > 3:
            return self._signed_get(parts[2], "/".join(parts[3:]), query)
        role, why = self._role(headers)
        if role == "invalid":
            if method == "GET" and parts[0] == "object":
                # The server retries a download as anon, which then finds no bucket.
                raise self._no_bucket()
            raise self._storage_error(400, "InvalidJWT", why)
        if method == "GET" and parts[0] == "bucket" and len(parts) == 2:
            with self._lock:
                return _json(self._bucket_info(parts[1], role))
        if parts[:1] != ["object"] or len(parts) < 2:
            raise _no_route()
        head, rest = parts[1], parts[2:]
        anon = role != "service_role"  # every bucket here is private: anon sees nothing
        with self._lock:
            if method == "POST" and head == "list" and len(rest) == 1:
                objects = {} if anon else self.buckets.get(rest[0], {})
                return _json(self._list(objects, _load(body)))
            if method == "POST" and head == "sign" and len(rest) > 1:
                return _json(self._sign(rest[0], "/".join(rest[1:]), _load(body), anon))
            if method == "GET" and head in ("info", "authenticated") and len(rest) > 1:
                obj = self._get(rest[0], "/".join(rest[1:]), anon)
                if head == "authenticated":
                    return 200, obj.content_type, obj.data
                info = {"id": obj.id, "size": len(obj.data), "content_type": obj.content_type}
                return _json(info)
            if method == "DELETE" and not rest:
                objects = {} if anon else self.buckets.get(head, {})
                return _json(self._remove(objects, _load(body)))
            if method in ("POST", "PUT") and rest:
                if anon:
                    self._bucket(head)
                    raise self._storage_error(
                        403,
                        "AccessDenied",
                        "new row violates row-level security policy",
                        "Unauthorized",
                    )
                return _json(self._upload(method, head, "/".join(rest), headers, body))
            if method == "GET" and rest:
                obj = self._get(head, "/".join(rest), anon)
                return 200, obj.content_type, obj.data
        raise _no_route()

    def _no_bucket(self) -> _Reply:
        return self._storage_error(404, "NoSuchBucket", "Bucket not found", "Bucket not found")

    def _bucket_info(self, name: str, role: str) -> dict[str, Any]:
        if name not in self.buckets or role != "service_role":
            raise self._no_bucket()
        stamp = "2026-01-01T00:00:00.000Z"
        return {
            "id": name,
            "name": name,
            "owner": "",
            "public": False,
            "created_at": stamp,
            "updated_at": stamp,
            "file_size_limit": None,
            "allowed_mime_types": None,
        }

    def _bucket(self, name: str) -> dict[str, FakeObject]:
        if name not in self.buckets:
            raise self._no_bucket()
        return self.buckets[name]

    def _get(self, bucket: str, path: str, anon: bool = False) -> FakeObject:
        obj = self._bucket(bucket).get(path)
        if obj is None or anon:  # row-level security hides every object from anon
            raise self._storage_error(404, "NoSuchKey", "Object not found", "not_found")
        return obj

    def _upload(self, method: str, bucket: str, path: str, headers: Any, body: bytes) -> dict:
        objects = self._bucket(bucket)
        upsert = method == "PUT" or headers.get("x-upsert", "false").lower() == "true"
        if path in objects and not upsert:
            raise self._storage_error(
                409, "KeyAlreadyExists", "The resource already exists", "Duplicate"
            )
        content_type = headers.get("content-type", "")
        cache_control = headers.get("cache-control", "no-cache")
        if content_type.startswith("multipart/form-data"):
            fields = wire.multipart(body, content_type)
            if "file" not in fields:
                raise self._storage_error(400, "InvalidRequest", "No content provided")
            content_type, data = fields["file"]
            cache_control = f"max-age={fields.get('cacheControl', ('', b'3600'))[1].decode()}"
        else:
            data = body
        now = _now()
        previous = objects.get(path)
        objects[path] = FakeObject(
            data,
            content_type or "application/octet-stream",
            cache_control,
            created_at=previous.created_at if previous else now,
            updated_at=now,
        )
        return {"Key": f"{bucket}/{path}", "Id": objects[path].id}

    def _remove(self, objects: dict[str, FakeObject], payload: Any) -> list[dict]:
        prefixes = payload.get("prefixes") if isinstance(payload, dict) else None
        if not isinstance(prefixes, list) or not 1 <= len(prefixes) <= 1000:
            raise self._storage_error(400, "InvalidRequest", "prefixes must hold 1 to 1000 keys")
        gone = [p for p in prefixes if p in objects and p not in self.undeletable]
        return [{"name": p, "id": objects.pop(p).id} for p in gone]

    def _list(self, objects: dict[str, FakeObject], payload: Any) -> list[dict]:
        if not isinstance(payload, dict) or not isinstance(payload.get("prefix"), str):
            raise self._storage_error(400, "InvalidRequest", "body must have property 'prefix'")
        prefix = payload["prefix"]
        if prefix and not prefix.endswith("/"):
            prefix += "/"  # the server treats a prefix as a folder
        levels = len(prefix.split("/"))
        pattern = wire.ilike(prefix + str(payload.get("search") or "") + "%")
        sort = payload.get("sortBy") or {}
        descending = str(sort.get("order", "asc")).lower() == "desc"
        folders: set[str] = set()
        files: list[tuple[str, FakeObject]] = []
        for name, obj in objects.items():
            tokens = name.split("/")
            if pattern.fullmatch(name):
                if len(tokens) == levels:
                    files.append((tokens[-1], obj))
                elif len(tokens) > levels:
                    folders.add(tokens[levels - 1])
        entries = [wire.folder(name) for name in sorted(folders, reverse=descending)]
        files.sort(key=lambda f: f[0], reverse=descending)
        entries += [wire.file(name, obj) for name, obj in files]
        offset, limit = int(payload.get("offset", 0)), int(payload.get("limit", 100))
        return entries[offset : offset + limit]

    def _sign(self, bucket: str, path: str, payload: Any, anon: bool) -> dict:
        self._get(bucket, path, anon)
        try:
            expires_in = int(payload["expiresIn"])
        except (KeyError, TypeError, ValueError):
            expires_in = 0
        if expires_in < 1:
            raise self._storage_error(400, "InvalidParameter", "Invalid Parameter expiresIn")
        token = secrets.token_urlsafe(24)
        self._tokens[token] = (bucket, path, time.time() + expires_in)
        return {"signedURL": f"/object/sign/{bucket}/{quote(path)}?token={token}"}

    def _signed_get(self, bucket: str, path: str, query: dict) -> tuple[int, str, bytes]:
        with self._lock:
            grant = self._tokens.get((query.get("token") or [""])[0])
            if grant is None or grant[:2] != (bucket, path):
                raise self._storage_error(400, "InvalidJWT", "invalid signature")
            if grant[2] < time.time():
                raise self._storage_error(400, "InvalidJWT", "jwt expired")
            obj = self._get(bucket, path)
            return 200, obj.content_type, obj.data


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per response, sent without Nagle's delay: otherwise every keep-alive
    # request waits ~40 ms for a delayed ACK.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _dispatch(self) -> None:
        fake: FakeSupabaseStorage = self.server.fake  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        url = urlsplit(self.path)
        with fake._lock:
            fake.requests.append((self.command, url.path))
        failure = fake._take_failure(self.command, url.path)
        if failure is not None and failure.status == 0:
            self.close_connection = True
            return
        if failure is not None:
            return self._send(failure.status, "application/json", failure.body)
        if not url.path.startswith(PREFIX):
            return self._send(404, "application/json", b'{"message":"no Route matched"}')
        parts = [unquote(part) for part in url.path[len(PREFIX) :].split("/")]
        try:
            status, content_type, payload = fake._route(
                self.command, parts, parse_qs(url.query), self.headers, body
            )
        except _Reply as reply:
            status, content_type, payload = reply.status, "application/json", reply.payload
        self._send(status, content_type, payload)

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _is_read(method: str, path: str) -> bool:
    """Requests that only read: downloads, info and listings (signed-URL fetches are apart)."""
    path = path.removeprefix(PREFIX)
    if method == "POST":
        return path.startswith("object/list/")
    return method == "GET" and path.startswith("object/") and not path.startswith("object/sign/")


def _json(value: Any) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(value).encode()


def _load(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
