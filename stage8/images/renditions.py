"""Renditions: each stored image as small JPEGs at the widths the pages show it, made once.

`st.image` decodes, resizes and re-encodes any image wider than it is shown (and any PNG or
WebP) on every rerun. A JPEG at or below the shown width passes through untouched, so the pages
ask for the rendition that fits (`stage8.ui.media`). Renditions live beside the image under
`rendition_key(image_key, width)`, are made at ingest (`stage8.images.ingest.stage_image`) and
for older images by `backfill` (`python -m stage8 renditions --backfill`). They are owned by the
image row like its thumbnail: `images.objects.object_keys` names them for purge and orphan sweep.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select

from stage8.db.models import Image as ImageRow
from stage8.desk import Desk
from stage8.errors import ObjectNotFound
from stage8.images.modes import flatten
from stage8.images.objects import RENDITION_WIDTHS, lock_object_keys, object_keys
from stage8.storage.keys import rendition_key

THUMB_RENDITION_WIDTH = 160
_MATTE = (232, 232, 232)  # the thumbnails' light grey behind transparency
_JPEG = {"quality": 85, "optimize": True, "progressive": False}


def make_renditions(data: bytes) -> dict[int, bytes]:
    """JPEGs of stored (already normalised) image bytes, one per RENDITION_WIDTHS width.

    A rendition is never wider than the image: a narrow image gets a JPEG at its own width.
    """
    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", (max(RENDITION_WIDTHS), opened.height))
        pixels = flatten(opened.convert("RGBA") if "A" in opened.getbands() else opened, _MATTE)
        pixels.load()
    out: dict[int, bytes] = {}
    current = pixels
    for width in sorted(RENDITION_WIDTHS, reverse=True):
        if current.width > width:
            height = max(1, round(current.height * width / current.width))
            current = current.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        current.save(buffer, "JPEG", **_JPEG)
        out[width] = buffer.getvalue()
    return out


def rendition_objects(image_key: str, data: bytes) -> list[tuple[str, bytes]]:
    """(key, JPEG bytes) for every rendition of the image stored under image_key."""
    return [(rendition_key(image_key, w), jpeg) for w, jpeg in make_renditions(data).items()]


@dataclass
class BackfillReport:
    made: int = 0  # images that got (some of) their renditions now
    skipped: int = 0  # images that had them all already
    gone: int = 0  # images whose row or object vanished meanwhile (purged): nothing to do


def backfill(
    desk: Desk, *, progress: Callable[[BackfillReport], None] | None = None
) -> BackfillReport:
    """Make the missing renditions of every image (idempotent; resumable: an interrupted run
    leaves whole objects behind, and the next run makes only what is still missing).

    Each image is written under its keys' locks, with its row re-read inside that transaction,
    so a concurrent purge cannot leave a rendition behind for a row that is gone.
    """
    report = BackfillReport()
    with desk.read() as session:
        images = list(
            session.execute(select(ImageRow.id, ImageRow.storage_key).order_by(ImageRow.id))
        )
    for image_id, key in images:
        wanted = [rendition_key(key, w) for w in RENDITION_WIDTHS]
        if all(desk.store.exists(k) for k in wanted):
            report.skipped += 1
            continue
        with desk.tx() as session:
            row = session.get(ImageRow, image_id)
            if row is None:
                report.gone += 1
                continue
            lock_object_keys(session, object_keys(row.storage_key, row.thumb_key))
            try:
                original = desk.store.get(key)
            except ObjectNotFound:
                report.gone += 1
                continue
            for name, jpeg in rendition_objects(key, original):
                if not desk.store.exists(name):
                    desk.store.put(name, jpeg, "image/jpeg")
        report.made += 1
        if progress is not None:
            progress(report)
    return report
