"""Stored objects as rows see them: which keys image rows name, and the per-key locks that keep a
new row and a removal of the same object from crossing (invariant 4).

The ingest (new rows for an object) and the cleanup (removing objects no row names) both take
`lock_object_keys` before they check `referenced_keys`, in the transaction that acts on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from stage8.db.models import Image
from stage8.storage.keys import rendition_key, rendition_thumb_key

# The widths the scene page shows images at (CSS px): the attempts carousel (520), the reference
# carousel (260), and the thumbnail strip (8 columns of about 70-80 px: 160 is about 2x, sharp
# on high-DPI screens; `st.image` only shrinks thumbnails wider than 1460 px, so 2x is kept).
RENDITION_WIDTHS = (520, 260, 160)

_LOCK_CLASS = 0x5338  # "S8": the advisory-lock namespace of storage keys


def lock_object_keys(session: Session, keys: Iterable[str]) -> None:
    """Hold a transaction-scoped lock per storage key (PostgreSQL advisory locks).

    SQLite needs none: every transaction there starts with BEGIN IMMEDIATE, which already
    serialises writers. A writer that creates an image row for an existing object should take
    the same lock, so a removal cannot fall between its check and its commit.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        digest = hashlib.sha256(key.encode()).digest()
        session.execute(
            text("SELECT pg_advisory_xact_lock(:c, :o)"),
            {"c": _LOCK_CLASS, "o": int.from_bytes(digest[:4], "big", signed=True)},
        )


def object_keys(storage_key: str, thumb_key: str | None) -> list[str]:
    """Every object an image row owns: the image, its thumbnail and its renditions (JPEGs at
    RENDITION_WIDTHS, named from the image key; they may not exist yet for older images)."""
    renditions = [rendition_key(storage_key, w) for w in RENDITION_WIDTHS]
    return [storage_key, *([thumb_key] if thumb_key else []), *renditions]


def referenced_keys(session: Session, keys: Iterable[str] | None = None) -> set[str]:
    """The keys (of `keys`, or all) that some image row names as its object, thumbnail or
    rendition (`object_keys`)."""
    query = select(Image.storage_key, Image.thumb_key)
    if keys is not None:
        wanted = list(set(keys))
        if not wanted:
            return set()
        # A rendition is found through its image's thumbnail key (they share the stem).
        thumbs = {t for t in map(rendition_thumb_key, wanted) if t}
        query = query.where(
            or_(
                Image.storage_key.in_(wanted),
                Image.thumb_key.in_(wanted),
                Image.thumb_key.in_(sorted(thumbs)),
            )
        )
    used: set[str] = set()
    for key, thumb in session.execute(query):
        used.update(object_keys(key, thumb))
    return used if keys is None else used & set(keys)
