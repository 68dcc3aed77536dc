"""Image storage: one protocol, one module per backend, chosen by `settings.storage`.

Every backend checks keys with `validate_key` (and list prefixes with `validate_prefix`) before
any I/O, so a malformed key fails the same way on every backend and never reaches a file system
or an HTTP URL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stage8.errors import ConfigError, StorageError
from stage8.storage.base import ImageStore, StoredObject

if TYPE_CHECKING:
    from stage8.config import Settings

__all__ = ["ImageStore", "StoredObject", "make_store", "validate_key", "validate_prefix"]

MAX_KEY_LENGTH = 1024  # Supabase Storage's limit on object names, applied to every backend
_ALLOWED = re.compile(r"[A-Za-z0-9._/-]*")


def validate_prefix(prefix: str) -> str:
    """Return prefix unchanged when it is a safe start of a key ("" lists everything).

    Raises StorageError for absolute paths, backslashes, '//', '.' or '..' segments, segments
    starting with '.', and characters outside [A-Za-z0-9._/-].
    """
    if not isinstance(prefix, str):
        raise StorageError(f"A storage key must be text, got {type(prefix).__name__}.")
    problem = _problem(prefix)
    if problem:
        raise StorageError(f"Invalid storage key {prefix!r}: {problem}.")
    return prefix


def validate_key(key: str) -> str:
    """Return key unchanged when it names an object; raise StorageError saying what is wrong.

    On top of the prefix rules a key must be non-empty and must not end with '/'.
    """
    validate_prefix(key)
    if key == "":
        raise StorageError("Invalid storage key '': a key must not be empty.")
    if key.endswith("/"):
        raise StorageError(f"Invalid storage key {key!r}: it names a folder, not an object.")
    return key


def _problem(text: str) -> str | None:
    if len(text) > MAX_KEY_LENGTH:
        return f"longer than {MAX_KEY_LENGTH} characters"
    if "\\" in text:
        return "backslashes are not allowed, use '/'"
    if text.startswith("/"):
        return "it must be relative (no leading '/')"
    if "//" in text:
        return "empty path segment ('//')"
    if not _ALLOWED.fullmatch(text):
        return "only letters, digits, '.', '_', '-' and '/' are allowed"
    # Dot-led segments are reserved: they cover '.' and '..' and keep the local backend's
    # temporary files (which start with '.') out of the key space.
    if any(segment.startswith(".") for segment in text.split("/")):
        return "a path segment must not start with '.' (no '.', '..' or hidden names)"
    return None


def make_store(settings: Settings) -> ImageStore:
    """Build the image store named by settings.storage; raise ConfigError when it is unknown."""
    # Imported here so that the local backend never pays for importing the supabase client.
    if settings.storage == "local":
        from stage8.storage.local import LocalStore

        return LocalStore(settings.storage_path)
    if settings.storage == "supabase":
        from stage8.storage.supabase import SupabaseStore

        return SupabaseStore(settings.supabase_url, settings.supabase_key, settings.bucket)
    raise ConfigError(f"STAGE8_STORAGE must be 'local' or 'supabase', got {settings.storage!r}.")
