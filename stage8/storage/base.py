"""The image store protocol: a handful of operations every backend implements.

Keys are relative, '/'-separated paths built by the desk from ids and hashes only
(see `stage8.storage.keys`). Backends never interpret them beyond that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    updated_at: datetime | None  # timezone-aware UTC where the backend knows it


@runtime_checkable
class ImageStore(Protocol):
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write (or overwrite) the object; raise StorageError on failure."""

    def get(self, key: str) -> bytes:
        """Return the object's bytes; raise ObjectNotFound when absent, StorageError otherwise."""

    def exists(self, key: str) -> bool:
        """True when an object is stored under key."""

    def remove(self, keys: Iterable[str]) -> None:
        """Delete the objects; keys that are already absent are not an error."""

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every object whose key starts with prefix, recursively."""

    def signed_url(self, key: str, expires_in: int = 3600) -> str:
        """A URL a browser can fetch the object from for expires_in seconds."""
