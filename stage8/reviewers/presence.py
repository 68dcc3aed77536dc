"""Who else has a scene open: heartbeats in the database, so every app process sees them.

Rule owned here: a browser session is on at most one scene at a time (a heartbeat for one scene
removes that session's rows of other scenes), and a row not refreshed for `EXPIRY` means the
person left (it is no longer shown, and the next heartbeat on any scene deletes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from stage8.db.column_types import utcnow
from stage8.db.models import Presence
from stage8.desk import Desk
from stage8.reviewers.roles import Identity

EXPIRY = timedelta(seconds=30)
_WIDTH = 200  # the actor and name columns' width


@dataclass(frozen=True)
class PresenceView:
    actor: str
    name: str
    role: str | None
    seen_at: datetime


def _upsert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(Presence)


def heartbeat(
    desk: Desk,
    scene_id: int,
    session_id: str,
    identity: Identity,
    *,
    now: datetime | None = None,
) -> None:
    """Record that `identity` has scene `scene_id` open in browser session `session_id` (one
    transaction: insert or refresh the row, drop the session's other scenes and expired rows)."""
    now = now or utcnow()
    values = {
        "scene_id": scene_id,
        "session_id": session_id[:64],
        "actor": identity.actor[:_WIDTH],
        "name": (identity.name or identity.actor)[:_WIDTH],
        "role": identity.role,
        "seen_at": now,
    }
    insert = _upsert(desk.dialect)
    upsert = insert.values(**values).on_conflict_do_update(
        index_elements=["scene_id", "session_id"],
        set_={k: insert.excluded[k] for k in ("actor", "name", "role", "seen_at")},
    )
    with desk.tx() as session:
        session.execute(
            delete(Presence).where(
                or_(
                    Presence.seen_at < now - EXPIRY,
                    and_(
                        Presence.session_id == values["session_id"], Presence.scene_id != scene_id
                    ),
                )
            )
        )
        session.execute(upsert)


def leave(desk: Desk, session_id: str) -> None:
    """Forget browser session `session_id` on every scene (it left the scene page)."""
    with desk.tx() as session:
        session.execute(delete(Presence).where(Presence.session_id == session_id[:64]))


def who_else(
    desk: Desk, scene_id: int, session_id: str, *, now: datetime | None = None
) -> list[PresenceView]:
    """The people seen on the scene within `EXPIRY`, other than session `session_id`: one entry
    per person (their latest heartbeat), ordered by name."""
    now = now or utcnow()
    with desk.read() as session:
        rows = session.scalars(
            select(Presence)
            .where(
                Presence.scene_id == scene_id,
                Presence.session_id != session_id[:64],
                Presence.seen_at >= now - EXPIRY,
            )
            .order_by(Presence.seen_at.desc())
        ).all()
        people: dict[str, PresenceView] = {}
        for row in rows:
            people.setdefault(row.actor, PresenceView(row.actor, row.name, row.role, row.seen_at))
    return sorted(people.values(), key=lambda p: (p.name.casefold(), p.actor))
