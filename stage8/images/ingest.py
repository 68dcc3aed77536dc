"""Putting image bytes into the store and the `images` table, object first, then rows.

Keys are content-addressed per project (`project_<id>/images/<sha[:2]>/<sha>.<ext>`): the same
bytes are stored once and every attempt or asset that uses them shares the one `images` row,
so "copying" an image never copies bytes. If staging fails halfway (the image is written, its
thumbnail is not: a full disk), or the rows then fail to commit, the objects written for them
are removed again unless some row already refers to them; removal always holds the keys' locks
and re-checks the rows (`remove_unreferenced`), so a concurrent writer of the same bytes either
sees the object gone and writes it again (`_ensure_objects`) or keeps it by its committed row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import Image
from stage8.desk import Desk
from stage8.images.objects import lock_object_keys, referenced_keys
from stage8.images.pipeline import ImageLimits, ProcessedImage, process
from stage8.images.renditions import rendition_objects
from stage8.storage.base import ImageStore
from stage8.storage.keys import content_addressed_key, thumb_key


@dataclass(frozen=True)
class StagedImage:
    """Processed bytes already written to the store, waiting for their row."""

    project_id: int
    key: str
    thumb_key: str
    processed: ProcessedImage
    store: ImageStore | None = field(default=None, compare=False, repr=False)
    # (key, JPEG) per rendition (`images.renditions`): the image at the widths pages show it.
    renditions: tuple[tuple[str, bytes], ...] = field(default=(), compare=False, repr=False)

    @property
    def keys(self) -> list[str]:
        """Every object staged for this image: image, thumbnail, renditions."""
        return [self.key, self.thumb_key, *(name for name, _ in self.renditions)]

    def objects(self) -> list[tuple[str, bytes, str]]:
        """(key, bytes, content type) of every object staged for this image."""
        p = self.processed
        return [
            (self.key, p.data, p.mime_type),
            (self.thumb_key, p.thumb, "image/jpeg"),
            *((name, jpeg, "image/jpeg") for name, jpeg in self.renditions),
        ]


def image_limits(desk: Desk) -> ImageLimits:
    return ImageLimits.from_settings(desk.settings)


def stage_image(desk: Desk, project_id: int, processed: ProcessedImage) -> StagedImage:
    """Write the image, its thumbnail and renditions to the store (idempotent for the same bytes).

    All or nothing: when a write fails, what this call wrote (or may have half written) is
    removed again before the error goes on, unless a row already refers to it.
    """
    key = content_addressed_key(project_id, processed.sha256, processed.ext)
    staged = StagedImage(
        project_id=project_id,
        key=key,
        thumb_key=thumb_key(key),
        processed=processed,
        store=desk.store,
        renditions=tuple(rendition_objects(key, processed.data)),
    )
    attempted: list[str] = []
    try:
        for name, data, content_type in staged.objects():
            if not desk.store.exists(name):
                attempted.append(name)
                desk.store.put(name, data, content_type)
    except BaseException as exc:
        remove_unreferenced(desk, attempted)
        # Inside a caller's open write transaction that removal cannot run (SQLite's lock is
        # held); the caller's rows_or_rollback_objects retries it after the rollback.
        with suppress(AttributeError, TypeError):
            exc.stage8_leftover_keys = attempted  # type: ignore[union-attr]
        raise
    return staged


def stage_bytes(desk: Desk, project_id: int, data: bytes) -> StagedImage:
    """Validate and normalise raw bytes (raises InvalidImage), then stage them."""
    return stage_image(desk, project_id, process(data, image_limits(desk)))


def image_row(session: Session, staged: StagedImage) -> Image:
    """The `images` row for staged bytes: the existing one for that key, or a new one."""
    existing = session.scalar(select(Image).where(Image.storage_key == staged.key))
    if existing is not None:
        return existing
    p = staged.processed
    _ensure_objects(session, staged)
    row = Image(
        project_id=staged.project_id,
        storage_key=staged.key,
        thumb_key=staged.thumb_key,
        sha256=p.sha256,
        mime_type=p.mime_type,
        width=p.width,
        height=p.height,
        byte_size=len(p.data),
        thumb_byte_size=len(p.thumb),
        created_at=utcnow(),
    )
    try:
        # A savepoint, so a concurrent writer of the same bytes costs a retry, not the caller's
        # whole transaction.
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = session.scalar(select(Image).where(Image.storage_key == staged.key))
        if existing is None:
            raise
        return existing
    return row


@contextmanager
def rows_or_rollback_objects(desk: Desk, staged: list[StagedImage]) -> Iterator[None]:
    """Run the row-writing block; if it fails, remove the staged objects nothing refers to."""
    try:
        yield
    except BaseException as exc:
        leftovers = list(getattr(exc, "stage8_leftover_keys", ()))
        remove_unreferenced(desk, [k for s in staged for k in s.keys] + leftovers)
        raise


def remove_unreferenced(desk: Desk, keys: list[str]) -> None:
    """Delete the objects under keys that no `images` row refers to (best effort).

    The keys are locked while checking and deleting, so a concurrent writer that is about to
    name the same content-addressed object either sees it gone and writes it again, or has
    committed its row first and the object is kept.
    """
    if not keys:
        return

    # Best effort: whatever cannot be removed now is collected by the orphan sweep.
    with suppress(Exception), desk.tx() as session:
        lock_object_keys(session, keys)
        used = referenced_keys(session, keys)
        desk.store.remove([k for k in keys if k not in used])


def _ensure_objects(session: Session, staged: StagedImage) -> None:
    """Before a new row names the objects: hold their keys against a concurrent sweep or purge
    and write them again if one removed them after staging (the same bytes, so harmless)."""
    if staged.store is None:
        return

    lock_object_keys(session, staged.keys)
    for name, data, content_type in staged.objects():
        if not staged.store.exists(name):
            staged.store.put(name, data, content_type)
