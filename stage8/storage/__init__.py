"""Image storage: one protocol, one module per backend, chosen by `settings.storage`.

Rules owned here: which backends exist and the check of a backend name (`check_backend`, the
only one); what a valid key is (`keys.validate_key` / `validate_prefix`, checked by every backend
before any I/O, so a malformed key fails the same way everywhere and never reaches a file system
or an HTTP URL); how keys are built from ids and hashes (`keys`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stage8.errors import ConfigError
from stage8.storage.base import ImageStore, StoredObject
from stage8.storage.keys import validate_key, validate_prefix
from stage8.storage.local import LocalStore

if TYPE_CHECKING:
    from stage8.config import Settings

__all__ = [
    "BACKENDS",
    "ImageStore",
    "StoredObject",
    "check_backend",
    "make_store",
    "validate_key",
    "validate_prefix",
]

BACKENDS = ("local", "supabase")


def check_backend(name: str) -> str:
    """The backend name, lower-cased, when it is one of BACKENDS; ConfigError otherwise.

    The one place backend names are checked: settings call it when they are read, and
    `make_store` builds exactly these."""
    choice = (name or "").lower()
    if choice not in BACKENDS:
        names = " or ".join(f"'{b}'" for b in BACKENDS)
        raise ConfigError(f"STAGE8_STORAGE must be {names}, got {name!r}.")
    return choice


def make_store(settings: Settings) -> ImageStore:
    """Build the image store named by settings.storage; raise ConfigError when it is unknown."""
    if check_backend(settings.storage) == "local":
        return LocalStore(settings.storage_path)
    # Imported here so that the local backend never pays for importing the supabase client.
    from stage8.storage.supabase import SupabaseStore

    return SupabaseStore(settings.supabase_url, settings.supabase_key, settings.bucket)
