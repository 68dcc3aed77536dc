"""The plain data of a cleanup: the plan (a dry run), its progress, and what apply did.

Costs are exact Decimals; sizes are bytes (image plus thumbnail); times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from stage8.cleanup.orphans import Orphan, Removal
from stage8.images.objects import object_keys
from stage8.units import dataclass_json

ZERO = Decimal(0)


@dataclass(frozen=True)
class PlannedAttempt:
    """An attempt the plan moves to the trash or purges, and why."""

    attempt_id: int
    instance_id: int
    project_id: int
    scene_id: int
    scene_number: int
    scene_deleted: bool
    asset_name: str
    attempt_number: int
    source: str
    image_id: int
    cost_usd: Decimal | None
    reason: str

    @classmethod
    def of(cls, row: Any, reason: str) -> PlannedAttempt:
        return cls(
            attempt_id=row.id,
            instance_id=row.instance_id,
            project_id=row.project_id,
            scene_id=row.scene_id,
            scene_number=row.scene_number,
            scene_deleted=row.deleted_at is not None,
            asset_name=row.asset_name,
            attempt_number=row.attempt_number,
            source=row.source,
            image_id=row.image_id,
            cost_usd=row.cost_usd,
            reason=reason,
        )

    def as_json(self) -> dict[str, Any]:
        return dataclass_json(self)


@dataclass(frozen=True)
class PlannedImage:
    """An image row the purge leaves unused: its row and objects are deleted."""

    image_id: int
    storage_key: str
    thumb_key: str | None
    bytes: int
    scene_id: int  # the scene its bytes are counted under

    @classmethod
    def of(cls, image: Any, owner: Any) -> PlannedImage:
        size = image.byte_size + (image.thumb_byte_size or 0)
        return cls(image.id, image.storage_key, image.thumb_key, size, owner.scene_id)

    def as_json(self) -> dict[str, Any]:
        return dataclass_json(self)


@dataclass(frozen=True)
class SceneTotals:
    """One scene's share of the plan."""

    project_id: int
    scene_id: int
    scene_number: int
    scene_deleted: bool
    to_trash: int = 0
    to_purge: int = 0
    images: int = 0
    bytes_freed: int = 0
    cost_usd: Decimal = ZERO

    def as_json(self) -> dict[str, Any]:
        return dataclass_json(self)


def _cost(items: list[PlannedAttempt]) -> Decimal:
    return sum((p.cost_usd for p in items if p.cost_usd is not None), ZERO)


@dataclass(frozen=True)
class CleanupPlan:
    """What a cleanup would do at `now`; `apply_cleanup` does exactly this, or less when the
    state changed since (never more)."""

    now: datetime
    attempt_cap: int
    max_age_days: int
    retention_days: int
    to_trash: list[PlannedAttempt]
    to_purge: list[PlannedAttempt]
    images: list[PlannedImage]
    orphans: list[Orphan]
    swept: bool

    @property
    def image_bytes(self) -> int:
        return sum(i.bytes for i in self.images)

    @property
    def orphan_bytes(self) -> int:
        return sum(o.size for o in self.orphans)

    @property
    def bytes_freed(self) -> int:
        return self.image_bytes + self.orphan_bytes

    @property
    def objects(self) -> list[str]:
        """Every storage key the plan removes: purged images' objects, then orphans."""
        keys = [k for i in self.images for k in object_keys(i.storage_key, i.thumb_key)]
        return keys + [o.key for o in self.orphans]

    @property
    def cost_trashed(self) -> Decimal:
        return _cost(self.to_trash)

    @property
    def cost_purged(self) -> Decimal:
        return _cost(self.to_purge)

    @property
    def empty(self) -> bool:
        return not (self.to_trash or self.to_purge or self.images or self.orphans)

    def per_scene(self) -> list[SceneTotals]:
        """Totals per scene, in (project, scene number) order; orphans belong to no scene."""
        acc: dict[int, dict[str, Any]] = {}

        def slot(p: PlannedAttempt) -> dict[str, Any]:
            return acc.setdefault(
                p.scene_id,
                {
                    "project_id": p.project_id,
                    "scene_id": p.scene_id,
                    "scene_number": p.scene_number,
                    "scene_deleted": p.scene_deleted,
                    "to_trash": 0,
                    "to_purge": 0,
                    "images": 0,
                    "bytes_freed": 0,
                    "cost_usd": ZERO,
                },
            )

        for kind, items in (("to_trash", self.to_trash), ("to_purge", self.to_purge)):
            for p in items:
                s = slot(p)
                s[kind] += 1
                s["cost_usd"] += p.cost_usd or ZERO
        for image in self.images:
            s = acc[image.scene_id]
            s["images"] += 1
            s["bytes_freed"] += image.bytes
        rows = [SceneTotals(**s) for s in acc.values()]
        return sorted(rows, key=lambda t: (t.project_id, t.scene_number, t.scene_id))

    def as_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "attempt_cap": self.attempt_cap,
            "max_age_days": self.max_age_days,
            "retention_days": self.retention_days,
            "to_trash": [p.as_json() for p in self.to_trash],
            "to_purge": [p.as_json() for p in self.to_purge],
            "images": [i.as_json() for i in self.images],
            "orphans": [o.as_json() for o in self.orphans],
            "objects_deleted": len(self.objects),
            "bytes_freed": self.bytes_freed,
            "cost_trashed_usd": str(self.cost_trashed),
            "cost_purged_usd": str(self.cost_purged),
            "per_scene": [t.as_json() for t in self.per_scene()],
        }


@dataclass(frozen=True)
class CleanupProgress:
    """Reported after every step of apply: phase is trash, purge, storage or sweep."""

    phase: str
    done: int
    total: int
    message: str

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass
class CleanupResult:
    """What apply did. `errors` lists what failed; running apply again finishes the job."""

    trashed: list[int] = field(default_factory=list)
    purged: list[int] = field(default_factory=list)
    images_deleted: list[int] = field(default_factory=list)
    objects_removed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)
    image_bytes: int = 0  # of deleted images whose objects are gone
    orphan_bytes: int = 0
    cost_trashed: Decimal = ZERO
    cost_purged: Decimal = ZERO
    skipped: list[int] = field(default_factory=list)  # planned, no longer eligible: kept
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def bytes_freed(self) -> int:
        return self.image_bytes + self.orphan_bytes

    def record_trashed(self, planned: list[PlannedAttempt], done: list[int]) -> None:
        chosen = set(done)
        for p in planned:
            if p.attempt_id in chosen:
                self.trashed.append(p.attempt_id)
                self.cost_trashed += p.cost_usd or ZERO
            else:
                self.skipped.append(p.attempt_id)

    def record_purged(self, planned: list[PlannedAttempt], done: list[int], images: list) -> None:
        chosen = set(done)
        for p in planned:
            if p.attempt_id in chosen:
                self.purged.append(p.attempt_id)
                self.cost_purged += p.cost_usd or ZERO
            else:
                self.skipped.append(p.attempt_id)
        self.images_deleted += [i.image_id for i in images]

    def record_removed(self, freed: list, removal: Removal) -> None:
        gone = set(removal.removed)
        self.objects_removed += removal.removed
        self.image_bytes += sum(f.bytes for f in freed if all(k in gone for k in f.keys))
        if removal.error:
            self.errors.append(f"Storage failed while removing objects: {removal.error}")

    def record_orphans(self, orphans: list[Orphan], removal: Removal) -> None:
        gone = set(removal.removed)
        self.orphans_removed += removal.removed
        self.orphan_bytes += sum(o.size for o in orphans if o.key in gone)
        if removal.error:
            self.errors.append(f"Storage failed while removing orphans: {removal.error}")

    @property
    def message(self) -> str:
        text = (
            f"Moved {len(self.trashed)} attempts to the trash, purged {len(self.purged)}, "
            f"deleted {len(self.images_deleted)} images and "
            f"{len(self.objects_removed) + len(self.orphans_removed)} objects "
            f"({self.bytes_freed:,} bytes freed)."
        )
        if self.skipped:
            text += f" Kept {len(self.skipped)} that changed since the plan."
        if self.errors:
            text += " Not finished: run the cleanup again to complete it."
        return text

    def as_json(self) -> dict[str, Any]:
        data = dataclass_json(self)
        return {**data, "bytes_freed": self.bytes_freed, "complete": self.complete}


@dataclass(frozen=True)
class PurgeResult:
    """What "Purge now" did to one attempt."""

    attempt_id: int
    attempt_number: int
    images_deleted: list[int]
    objects_removed: list[str]
    bytes_freed: int
    error: str | None

    @classmethod
    def of(cls, row: Any, freed: list, removal: Removal) -> PurgeResult:
        gone = set(removal.removed)
        size = sum(f.bytes for f in freed if all(k in gone for k in f.keys))
        images = [f.image_id for f in freed]
        return cls(row.id, row.attempt_number, images, removal.removed, size, removal.error)

    @property
    def message(self) -> str:
        text = f"Attempt #{self.attempt_number} purged"
        if self.images_deleted:
            text += f"; {self.bytes_freed:,} bytes freed."
        else:
            text += "; its image is still used elsewhere, so it stays."
        if self.error:
            text += " Some objects could not be removed yet; the next cleanup removes them."
        return text

    def as_json(self) -> dict[str, Any]:
        return {**dataclass_json(self), "message": self.message}
