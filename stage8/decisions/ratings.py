"""Ratings: 1 to 5 stars per attempt, kept as decision events (kind "rate"); the latest wins.

Rules owned here: a rating is a decision like any other (its event bumps the instance version,
a stale `expected_version` is refused); `stars` None clears the rating; the current rating of
an attempt is the `after["stars"]` of its newest "rate" event (`ratings_for`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stage8.db.finders import get_instance
from stage8.db.models import Attempt, DecisionEvent
from stage8.decisions import ledger
from stage8.decisions.versions import check_version
from stage8.desk import Desk
from stage8.errors import DecisionConflict, InvalidInput, NotFound
from stage8.reviewers.roles import Actor, authorise

STARS = range(1, 6)


def rate_attempt(
    desk: Desk,
    attempt_id: int,
    stars: int | None,
    *,
    actor: Actor,
    expected_version: int | None = None,
) -> str:
    """Give a live attempt 1-5 stars (None: clear its rating); returns the message to show."""
    actor = authorise(actor, "decide")
    if stars is not None and (type(stars) is not int or stars not in STARS):
        raise InvalidInput(f"A rating is 1 to 5 stars, not {stars!r}.")
    with desk.tx() as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise NotFound(f"Attempt {attempt_id} no longer exists.")
        instance = get_instance(session, attempt.instance_id, for_update=True)
        check_version(session, instance.id, expected_version)
        if attempt.trashed_at is not None:
            raise DecisionConflict(
                f"Attempt #{attempt.attempt_number} is in the trash: restore it to rate it."
            )
        before = ratings_for(session, [attempt.id]).get(attempt.id)
        ledger.record(
            session,
            instance,
            "rate",
            actor=actor,
            attempt=attempt,
            before={"stars": before},
            after={"stars": stars},
        )
    if stars is None:
        return f"Rating of attempt #{attempt.attempt_number} cleared."
    return f"Attempt #{attempt.attempt_number} rated {stars} of 5."


def ratings_for(session: Session, attempt_ids: Iterable[int]) -> dict[int, int]:
    """Attempt id -> its current stars (attempts never rated, or cleared, are absent)."""
    ids = list(attempt_ids)
    if not ids:
        return {}
    newest = (
        select(func.max(DecisionEvent.id))
        .where(DecisionEvent.kind == "rate", DecisionEvent.attempt_id.in_(ids))
        .group_by(DecisionEvent.attempt_id)
    )
    rows = session.execute(
        select(DecisionEvent.attempt_id, DecisionEvent.after).where(DecisionEvent.id.in_(newest))
    )
    return {a: after["stars"] for a, after in rows if after and after.get("stars") is not None}
