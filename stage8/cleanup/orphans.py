"""Storage garbage: objects no `images` row refers to, found and removed safely.

An object becomes an orphan when a process dies between writing it and committing its rows, or
when a purge removed its image row but the storage delete then failed. Guarantees:

- Only keys under `project_<id>/` of existing projects are looked at; nothing else in the
  bucket or folder is ever touched.
- An object is removed only when no image row names it (as image or thumbnail), re-checked in
  the transaction that removes it, and only when it is older than `older_than` (one hour by
  default: an upload writes its object first and its rows a moment later), or when a purge in
  that window named it and the object is no newer than that purge (a purge whose storage delete
  failed). An object whose age the backend cannot tell is left alone.
- A backend that writes through temporary files (the local folder) shows them to the sweep:
  one older than `older_than` whose writer is gone (`reason="temporary"`, left by a killed
  process) is removed; one a writer still holds is never touched, whatever its age.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import DecisionEvent, Project
from stage8.desk import Desk
from stage8.errors import StorageError
from stage8.images.objects import lock_object_keys, referenced_keys
from stage8.storage.base import StoredObject

ORPHAN_AGE = timedelta(hours=1)
REMOVE_BATCH = 100
# How far back purge events are read beyond the age limit (clock skew between processes).
_CLOCK_SLACK = timedelta(minutes=5)


@runtime_checkable
class TemporaryFiles(Protocol):
    """What a store that writes through temporary files offers the sweep (see LocalStore)."""

    def list_temporary(self, prefix: str = "") -> Iterator[StoredObject]: ...

    def is_temporary(self, key: str) -> bool: ...

    def remove_temporary(self, keys: Iterable[str]) -> list[str]: ...


@dataclass(frozen=True)
class Orphan:
    """A stored object nothing refers to: `orphan` (old enough), `purged` (left by a purge) or
    `temporary` (a temporary file its killed writer left)."""

    key: str
    size: int
    updated_at: datetime | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        stamp = self.updated_at.isoformat() if self.updated_at else None
        return {"key": self.key, "bytes": self.size, "updated_at": stamp, "reason": self.reason}


@dataclass
class Removal:
    """What a removal did: the keys removed, and the storage error that stopped it, if any."""

    removed: list[str] = field(default_factory=list)
    error: str | None = None


def remove_unreferenced_objects(
    desk: Desk, keys: Iterable[str], *, batch: int | None = None
) -> Removal:
    """Remove the objects under `keys` that no image row names, in batches.

    Each batch re-checks the rows and removes its objects inside one transaction holding the
    keys' locks. A storage failure stops the removal and is reported in `error`; the batches
    before it stay done, and the rest is found again by `find_orphans`.
    """
    pending = sorted(set(keys))
    result = Removal()
    store = desk.store
    if isinstance(store, TemporaryFiles):
        temporary = [k for k in pending if store.is_temporary(k)]
        pending = [k for k in pending if not store.is_temporary(k)]
        try:
            # No row ever names a temporary file; the store skips any a writer still holds.
            result.removed += store.remove_temporary(temporary)
        except StorageError as exc:
            result.error = str(exc)
            return result
    size = batch or REMOVE_BATCH
    for start in range(0, len(pending), size):
        chunk = pending[start : start + size]
        try:
            with desk.tx() as session:
                lock_object_keys(session, chunk)
                used = referenced_keys(session, chunk)
                doomed = [k for k in chunk if k not in used]
                if doomed:
                    desk.store.remove(doomed)
        except StorageError as exc:
            result.error = str(exc)
            return result
        result.removed += doomed
    return result


def _recently_purged(session: Session, since: datetime) -> dict[str, datetime]:
    """Keys named by purge events since `since`, with the time of the (latest) purge."""
    found: dict[str, datetime] = {}
    rows = session.execute(
        select(DecisionEvent.after, DecisionEvent.created_at).where(
            DecisionEvent.kind == "purge", DecisionEvent.created_at >= since
        )
    )
    for after, at in rows:
        for key in (after or {}).get("objects", []):
            found[key] = max(at, found.get(key, at))
    return found


def find_orphans(
    desk: Desk, *, older_than: timedelta = ORPHAN_AGE, now: datetime | None = None
) -> list[Orphan]:
    """Stored objects (thumbnails included) that no image row refers to, safe to remove now.

    Read-only. Objects are listed before the rows are read, so an object whose rows commit
    during the listing is seen as referenced.
    """
    now = now or utcnow()
    with desk.read() as session:
        project_ids = list(session.scalars(select(Project.id).order_by(Project.id)))
    listed = [obj for pid in project_ids for obj in desk.store.list(f"project_{pid}/")]
    cutoff = now - older_than
    abandoned = [
        Orphan(obj.key, obj.size, obj.updated_at, "temporary")
        for obj in _temporary_files(desk, project_ids)
        if obj.updated_at is not None and obj.updated_at <= cutoff
    ]
    if not listed:
        return abandoned
    with desk.read() as session:
        used = referenced_keys(session)
        purged = _recently_purged(session, cutoff - _CLOCK_SLACK)
    found: list[Orphan] = []
    for obj in listed:
        if obj.key in used or obj.updated_at is None:
            continue
        if obj.updated_at <= cutoff:
            found.append(Orphan(obj.key, obj.size, obj.updated_at, "orphan"))
        elif obj.key in purged and obj.updated_at <= purged[obj.key]:
            # Never newer than the purge: a re-upload of the same bytes writes a newer object.
            found.append(Orphan(obj.key, obj.size, obj.updated_at, "purged"))
    return found + abandoned


def _temporary_files(desk: Desk, project_ids: list[int]) -> list[StoredObject]:
    store = desk.store
    if not isinstance(store, TemporaryFiles):
        return []
    return [obj for pid in project_ids for obj in store.list_temporary(f"project_{pid}/")]


@dataclass
class SweepResult:
    """The orphans removed, their bytes, and the storage error that stopped the sweep."""

    removed: list[Orphan]
    error: str | None = None

    @property
    def bytes_freed(self) -> int:
        return sum(o.size for o in self.removed)


def sweep_orphans(
    desk: Desk, *, older_than: timedelta = ORPHAN_AGE, now: datetime | None = None
) -> SweepResult:
    """Remove what `find_orphans` finds (re-checked against the rows just before removal)."""
    orphans = find_orphans(desk, older_than=older_than, now=now)
    removal = remove_unreferenced_objects(desk, [o.key for o in orphans])
    gone = set(removal.removed)
    return SweepResult([o for o in orphans if o.key in gone], removal.error)
