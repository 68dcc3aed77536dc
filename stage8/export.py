"""Export of attempts and instances as flat tables (one row per attempt / per scene asset).

Rows are produced by a generator over a server-side cursor in chunks, so memory stays flat
however many attempts there are. Values are export-ready: ids as strings, UTC ISO 8601 times,
costs as exact decimal strings, scene numbers and asset names beside the ids.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.models import Attempt, Image, Project, ProjectAsset, Scene, SceneAssetInstance
from stage8.references import reference_states

ATTEMPT_COLUMNS = [
    "attempt_id",
    "project",
    "scene_id",
    "scene_number",
    "scene_title",
    "asset_id",
    "asset_name",
    "asset_type",
    "instance_id",
    "attempt_number",
    "source",
    "selected",
    "pinned",
    "trashed",
    "trashed_at",
    "created_at",
    "created_by",
    "cost_usd",
    "prompt",
    "provider",
    "model",
    "duration_ms",
    "reference_image_id",
    "generation_job_id",
    "image_id",
    "image_sha256",
    "storage_key",
    "mime_type",
    "width",
    "height",
    "file_size",
    "original_filename",
    "original_byte_size",
    "original_format",
    "original_width",
    "original_height",
]
INSTANCE_COLUMNS = [
    "instance_id",
    "project",
    "scene_id",
    "scene_number",
    "scene_title",
    "asset_id",
    "asset_name",
    "asset_type",
    "selected_attempt_id",
    "selected_attempt_number",
    "selected_source",
    "use_master_as_is",
    "live_attempts",
    "reference_source",
    "reference_scene_number",
    "reference_is_default",
    "reference_stale",
    "reference_stale_reason",
]
CHUNK = 2000


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def attempt_rows(desk: Desk, *, include_trashed: bool = True) -> Iterator[dict[str, Any]]:
    """One dict per attempt with its scene, asset and image, streamed in chunks."""
    inst = aliased(SceneAssetInstance)
    query = (
        select(Attempt, Image, inst.selected_attempt_id, Scene, ProjectAsset, Project.name)
        .join(Image, Image.id == Attempt.image_id)
        .join(inst, inst.id == Attempt.instance_id)
        .join(Scene, Scene.id == inst.scene_id)
        .join(ProjectAsset, ProjectAsset.id == inst.asset_id)
        .join(Project, Project.id == Scene.project_id)
        .where(Scene.deleted_at.is_(None))
        .order_by(Project.id, Scene.scene_number, ProjectAsset.name, Attempt.attempt_number)
        .execution_options(yield_per=CHUNK)
    )
    if not include_trashed:
        query = query.where(Attempt.trashed_at.is_(None))
    with desk.tx() as session:
        for a, img, selected_id, scene, asset, project in session.execute(query):
            yield {
                "attempt_id": str(a.id),
                "project": project,
                "scene_id": str(scene.id),
                "scene_number": scene.scene_number,
                "scene_title": scene.title,
                "asset_id": str(asset.id),
                "asset_name": asset.name,
                "asset_type": asset.asset_type,
                "instance_id": str(a.instance_id),
                "attempt_number": a.attempt_number,
                "source": a.source,
                "selected": a.id == selected_id,
                "pinned": a.pinned,
                "trashed": a.trashed_at is not None,
                "trashed_at": a.trashed_at,
                "created_at": a.created_at,
                "created_by": a.created_by,
                "cost_usd": a.cost_usd,
                "prompt": a.prompt,
                "provider": a.provider,
                "model": a.model,
                "duration_ms": a.duration_ms,
                "reference_image_id": _id(a.reference_image_id),
                "generation_job_id": _id(a.generation_job_id),
                "image_id": str(img.id),
                "image_sha256": img.sha256,
                "storage_key": img.storage_key,
                "mime_type": img.mime_type,
                "width": img.width,
                "height": img.height,
                "file_size": a.file_size or img.byte_size,
                "original_filename": a.original_filename,
                "original_byte_size": a.original_byte_size,
                "original_format": a.original_format,
                "original_width": a.original_width,
                "original_height": a.original_height,
            }
            session.expunge_all()


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def instance_rows(desk: Desk) -> Iterator[dict[str, Any]]:
    """The current decision of every scene asset instance in live scenes."""
    sel = aliased(Attempt)
    with desk.tx() as session:
        rows = session.execute(
            select(SceneAssetInstance, Scene, ProjectAsset, Project.name, sel)
            .join(Scene, Scene.id == SceneAssetInstance.scene_id)
            .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
            .join(Project, Project.id == Scene.project_id)
            .outerjoin(sel, sel.id == SceneAssetInstance.selected_attempt_id)
            .where(Scene.deleted_at.is_(None))
            .order_by(Project.id, Scene.scene_number, ProjectAsset.name)
        ).all()
        refs = reference_states(session, [r[0].id for r in rows])
        from sqlalchemy import func

        live = dict(
            session.execute(
                select(Attempt.instance_id, func.count())
                .where(Attempt.trashed_at.is_(None))
                .group_by(Attempt.instance_id)
            ).all()
        )
    for inst, scene, asset, project, selected in rows:
        ref = refs.get(inst.id)
        yield {
            "instance_id": str(inst.id),
            "project": project,
            "scene_id": str(scene.id),
            "scene_number": scene.scene_number,
            "scene_title": scene.title,
            "asset_id": str(asset.id),
            "asset_name": asset.name,
            "asset_type": asset.asset_type,
            "selected_attempt_id": _id(inst.selected_attempt_id),
            "selected_attempt_number": selected.attempt_number if selected else None,
            "selected_source": selected.source if selected else None,
            "use_master_as_is": inst.use_master_as_is,
            "live_attempts": live.get(inst.id, 0),
            "reference_source": ref.effective_source if ref else None,
            "reference_scene_number": ref.effective_scene_number if ref else None,
            "reference_is_default": ref.is_default if ref else None,
            "reference_stale": ref.stale if ref else None,
            "reference_stale_reason": ref.stale_reason if ref else None,
        }


TABLES = {
    "attempts": (ATTEMPT_COLUMNS, attempt_rows),
    "instances": (INSTANCE_COLUMNS, instance_rows),
}


def export_csv(desk: Desk, what: str, path: Path) -> int:
    """Write the table as CSV (UTF-8, header row); returns the number of data rows."""
    if what not in TABLES:
        raise Stage8Error(f"Cannot export {what!r}: choose one of {', '.join(TABLES)}.")
    columns, rows = TABLES[what]
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows(desk):
            writer.writerow({k: _cell(v) for k, v in row.items()})
            count += 1
    return count
