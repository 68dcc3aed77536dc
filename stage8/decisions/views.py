"""Plain read models of attempts, loaded for many instances in one query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.models import Attempt, Image, SceneAssetInstance

SOURCE_LABELS = {
    "generated": "Generated",
    "uploaded": "Uploaded",
    "master_copy": "Master as-is",
    "legacy": "Legacy (before the desk)",
}


@dataclass(frozen=True)
class AttemptView:
    id: int
    instance_id: int
    attempt_number: int
    source: str
    selected: bool
    pinned: bool
    trashed_at: datetime | None
    trashed_reason: str | None
    created_at: datetime
    created_by: str | None
    cost_usd: Decimal | None
    prompt: str | None
    provider: str | None
    model: str | None
    duration_ms: int | None
    reference_image_id: int | None
    generation_job_id: int | None
    image_id: int
    image_key: str
    thumb_key: str | None
    image_sha256: str
    width: int
    height: int
    mime_type: str
    file_size: int
    original_filename: str | None
    original_byte_size: int | None
    original_format: str | None
    original_width: int | None
    original_height: int | None
    extra: dict[str, Any]
    # The instance's version when this was read: send it back as `expected_version`.
    instance_version: int = 0

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)

    @property
    def trashed(self) -> bool:
        return self.trashed_at is not None

    def as_json(self) -> dict[str, Any]:
        """The fields the command line prints, JSON-ready (ids as ints, cost as a string)."""
        return {
            "id": self.id,
            "attempt_number": self.attempt_number,
            "source": self.source,
            "selected": self.selected,
            "pinned": self.pinned,
            "trashed": self.trashed,
            "created_at": self.created_at.isoformat(),
            "cost": None if self.cost_usd is None else str(self.cost_usd),
            "prompt": self.prompt,
            "provider": self.provider,
            "model": self.model,
            "image_sha256": self.image_sha256,
            "original_filename": self.original_filename,
            "width": self.width,
            "height": self.height,
            "mime_type": self.mime_type,
            "file_size": self.file_size,
            "duration_ms": self.duration_ms,
            "reference_image_id": self.reference_image_id,
            "generation_job_id": self.generation_job_id,
        }


def attempt_views(
    session: Session,
    instance_ids: Iterable[int],
    *,
    include_trashed: bool = False,
    attempt_ids: Iterable[int] | None = None,
) -> list[AttemptView]:
    """Attempts of the given instances (one query), oldest first."""
    ids = list(instance_ids)
    if not ids:
        return []
    query = (
        select(Attempt, Image, SceneAssetInstance.selected_attempt_id, SceneAssetInstance.version)
        .join(Image, Image.id == Attempt.image_id)
        .join(SceneAssetInstance, SceneAssetInstance.id == Attempt.instance_id)
        .where(Attempt.instance_id.in_(ids))
        .order_by(Attempt.instance_id, Attempt.attempt_number)
    )
    if attempt_ids is not None:
        query = query.where(Attempt.id.in_(list(attempt_ids)))
    elif not include_trashed:
        query = query.where(Attempt.trashed_at.is_(None))
    return [_view(a, img, sel, ver) for a, img, sel, ver in session.execute(query)]


def _view(a: Attempt, img: Image, selected_id: int | None, version: int) -> AttemptView:
    return AttemptView(
        id=a.id,
        instance_id=a.instance_id,
        attempt_number=a.attempt_number,
        source=a.source,
        selected=a.id == selected_id,
        pinned=a.pinned,
        trashed_at=a.trashed_at,
        trashed_reason=a.trashed_reason,
        created_at=a.created_at,
        created_by=a.created_by,
        cost_usd=a.cost_usd,
        prompt=a.prompt,
        provider=a.provider,
        model=a.model,
        duration_ms=a.duration_ms,
        reference_image_id=a.reference_image_id,
        generation_job_id=a.generation_job_id,
        image_id=img.id,
        image_key=img.storage_key,
        thumb_key=img.thumb_key,
        image_sha256=img.sha256,
        width=img.width,
        height=img.height,
        mime_type=img.mime_type,
        file_size=a.file_size or img.byte_size,
        original_filename=a.original_filename,
        original_byte_size=a.original_byte_size,
        original_format=a.original_format,
        original_width=a.original_width,
        original_height=a.original_height,
        extra=dict(a.extra or {}),
        instance_version=version,
    )
