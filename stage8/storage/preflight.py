"""The storage preflight: before the desk does real work, prove the store can do its job.

A probe object under a reserved prefix is listed, written, read back and deleted, through the
same protocol every page and command uses. On Supabase this is what tells a missing bucket or a
key without rights (anon, expired, another project's) apart from an empty bucket: the server
answers a listing or a removal it did not carry out with 200 `[]`. The first failure becomes ONE
StorageUnavailable whose message names the setting to fix (STAGE8_BUCKET or SUPABASE_KEY).
Success is remembered for the life of the process, per store identity, so page reruns and the
several desks a command opens do not probe again.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Hashable
from contextlib import suppress

from stage8.errors import StorageError, StorageUnavailable
from stage8.storage.base import ImageStore

PROBE_PREFIX = "_stage8_preflight/"  # no desk key starts with '_': probes never meet images
# The local folder needs no probe: its first failure already names the path and the OS error.
PROBED_BACKENDS = frozenset({"supabase"})
_passed: set[Hashable] = set()
_lock = threading.Lock()


def preflight(store: ImageStore, *, force: bool = False) -> None:
    """Raise StorageUnavailable unless `store` can list, write, read and delete a probe object.

    Skipped for backends that need no probe, and when the same store (same backend, location,
    bucket and key) passed before in this process, unless `force`.
    """
    if store.name not in PROBED_BACKENDS:
        return
    identity = getattr(store, "identity", None) or (store.name, id(store))
    with _lock:
        if identity in _passed and not force:
            return
    _probe(store)
    with _lock:
        _passed.add(identity)


def _probe(store: ImageStore) -> None:
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}.txt"
    payload = f"stage8 preflight {key}".encode()
    step = "list its objects"
    try:
        list(store.list(PROBE_PREFIX))
        step = "write a test object"
        store.put(key, payload, "text/plain")
        step = "read the test object back"
        try:
            if store.get(key) != payload:
                raise StorageError(
                    f"Reading {key} back gave other bytes than were written. Check that "
                    "SUPABASE_URL points at the project's Storage and not at a proxy or cache."
                )
        except StorageError:
            with suppress(StorageError):  # the read failure is the one worth reporting
                store.remove([key])
            raise
        step = "delete the test object"
        store.remove([key])
    except StorageError as exc:
        raise StorageUnavailable(_message(store, step, exc)) from exc


def _message(store: ImageStore, step: str, exc: StorageError) -> str:
    where = getattr(store, "bucket", None)
    what = f"bucket {where!r}" if where else f"the {store.name} image store"
    text = str(exc)
    if "STAGE8_BUCKET" not in text and "SUPABASE_KEY" not in text and store.name == "supabase":
        text += " Check STAGE8_BUCKET and SUPABASE_KEY (the project's service_role key)."
    return f"The desk cannot use {what}: it could not {step}. {text}"
