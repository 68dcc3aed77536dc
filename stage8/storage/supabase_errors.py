"""What the Supabase backend says when Storage fails: one StorageError per kind of answer.

The storage server (supabase/storage 1.x) sends most errors with HTTP 400 and the real status
in the JSON body; storage3 puts the body's `error` field in `.code` and its `statusCode` in
`.status`. A missing bucket and a key that cannot see the bucket look the same from outside
("Bucket not found"), so those messages name both STAGE8_BUCKET and SUPABASE_KEY. The key
itself never appears in a message.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from storage3.exceptions import StorageApiError
from storage3.utils import StorageException

from stage8.errors import ObjectNotFound, StorageError

_AUTH_CODES = {"InvalidJWT", "Unauthorized", "AccessDenied", "InvalidSignature", "ExpiredToken"}
_UNPARSED = "Unable to parse error message: "  # storage3's prefix for non-JSON error bodies


class Translator:
    """Turns client, HTTP and connection failures into StorageErrors for one bucket."""

    def __init__(self, url: str, bucket: str, key_role: str | None) -> None:
        self.url, self.bucket, self.key_role = url, bucket, key_role

    @contextmanager
    def __call__(self, action: str, what: str) -> Iterator[None]:
        try:
            yield
        except StorageApiError as exc:
            raise self.api_error(action, what, exc) from exc
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

    def key_hint(self) -> str:
        if self.key_role == "anon":
            return (
                "SUPABASE_KEY is the project's anon key, which sees no private bucket: "
                "use the service_role key."
            )
        return "Check that SUPABASE_KEY is the project's service_role key."

    def no_bucket(self, action: str, what: str) -> StorageError:
        return StorageError(
            f"Supabase Storage has no bucket {self.bucket!r} that SUPABASE_KEY can see (during "
            f"the {action} of {what}). Create the bucket in the Supabase dashboard or set "
            f"STAGE8_BUCKET to an existing one. {self.key_hint()}"
        )

    def api_error(self, action: str, what: str, exc: StorageApiError) -> StorageError:
        status = status_of(exc)
        code = str(exc.code)
        message = _readable(str(exc.message))
        text = f"{code} {message}".lower()
        if code == "NoSuchBucket" or "bucket not found" in text:
            return self.no_bucket(action, what)
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


def is_transient(cause: BaseException | None) -> bool:
    """Worth trying again: a 5xx answer, or a connection that failed or dropped (no timeouts:
    a read that timed out already waited a minute)."""
    if isinstance(cause, StorageApiError):
        return status_of(cause) >= 500
    return isinstance(cause, httpx.NetworkError | httpx.RemoteProtocolError)


def status_of(exc: StorageApiError) -> int:
    try:
        return int(str(exc.status))
    except ValueError:
        return 0


def key_role(key: str | None) -> str | None:
    """The `role` claim of a JWT-shaped API key (read, not verified), else None."""
    parts = (key or "").split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return None
    role = claims.get("role") if isinstance(claims, dict) else None
    return role if isinstance(role, str) else None


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
