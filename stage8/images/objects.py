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


def referenced_keys(session: Session, keys: Iterable[str] | None = None) -> set[str]:
    """The keys (of `keys`, or all) that some image row names as its object or thumbnail."""
    query = select(Image.storage_key, Image.thumb_key)
    if keys is not None:
        wanted = list(set(keys))
        if not wanted:
            return set()
        query = query.where(or_(Image.storage_key.in_(wanted), Image.thumb_key.in_(wanted)))
    used: set[str] = set()
    for key, thumb in session.execute(query):
        used.add(key)
        if thumb:
            used.add(thumb)
    return used if keys is None else used & set(keys)
