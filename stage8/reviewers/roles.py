"""Who may do what: roles kept in the `reviewers` table, admins bootstrapped from a setting, and
the one table of actions with the least role allowed to do each.

Rules owned here:
- a person's role: listed in `STAGE8_ADMINS` -> admin; else their row in `reviewers`; else
  `STAGE8_DEFAULT_ROLE` (`none` refuses them);
- roles are ordered viewer < reviewer < admin, and `require(actor, action)` is the only check of
  an action against a role;
- only admins list, add or remove reviewers; emails are compared in lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from stage8.db.column_types import utcnow
from stage8.db.models import REVIEWER_ROLES, Reviewer
from stage8.desk import Desk
from stage8.errors import InvalidInput, NotAllowed, NotFound

ROLE_RANK = {role: rank for rank, role in enumerate(REVIEWER_ROLES)}

# action -> the least role that may do it, with the words a refusal uses for it.
ACTIONS: dict[str, tuple[str, str]] = {
    "see": ("viewer", "open the desk"),
    "export": ("viewer", "export data"),
    "decide": ("reviewer", "make decisions (select, pin, trash or restore attempts)"),
    "upload": ("reviewer", "upload images"),
    "generate": ("reviewer", "generate images"),
    "use_master_as_is": ("reviewer", "use the master as-is"),
    "reference": ("reviewer", "choose master references"),
    "cleanup_apply": ("admin", "apply the cleanup plan"),
    "purge": ("admin", "purge attempts from the trash"),
    "scene_delete": ("admin", "delete a scene"),
    "scene_restore": ("admin", "restore a deleted scene"),
    "manage_reviewers": ("admin", "list, add or remove reviewers"),
}

_WHO = {
    "viewer": "everyone on the desk",
    "reviewer": "reviewers and admins",
    "admin": "admins",
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_EMAIL = 320  # the column's width (RFC 5321 limits)


@dataclass(frozen=True)
class Identity:
    """The person behind a request, as every service sees them.

    `source` says how the desk knows them: "sign-in" (OpenID Connect), "typed" (no sign-in is
    configured: the name typed in the sidebar, allowed everything, as before roles existed),
    "cli" (an operator on the command line, who acts as admin) or "worker" (the generation worker
    finishing a job on behalf of the person who queued it)."""

    email: str | None
    name: str
    role: str
    source: str = "sign-in"

    @property
    def actor(self) -> str:
        """What the decision log records as the actor."""
        return self.email or self.name


@dataclass(frozen=True)
class ReviewerEntry:
    email: str
    role: str
    added_by: str
    added_at: datetime | None  # None for an admin who is one only through STAGE8_ADMINS
    from_setting: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "email": self.email,
            "role": self.role,
            "added_by": self.added_by,
            "added_at": self.added_at.isoformat() if self.added_at else None,
            "from_setting": self.from_setting,
        }


def normalise_email(raw: str) -> str:
    """The email in lower case without surrounding space; InvalidInput when it is not one."""
    email = (raw or "").strip().lower()
    if len(email) > _MAX_EMAIL or not _EMAIL.fullmatch(email) or not email.isprintable():
        raise InvalidInput(f"{raw!r} is not an email address; give it as name@example.com.")
    return email


def check_role(raw: str) -> str:
    role = (raw or "").strip().lower()
    if role not in ROLE_RANK:
        raise InvalidInput(f"The role must be one of {', '.join(REVIEWER_ROLES)}, got {raw!r}.")
    return role


def role_of(desk: Desk, email: str) -> str:
    """The role of the person with this email; NotAllowed when nobody added them and
    STAGE8_DEFAULT_ROLE is `none`."""
    email = normalise_email(email)
    if email in desk.settings.admins:
        return "admin"
    with desk.read() as session:
        role = session.scalar(select(Reviewer.role).where(Reviewer.email == email))
    if role is not None:
        return role
    if desk.settings.default_role == "none":
        raise NotAllowed(
            f"{email} is not a reviewer on this desk. Ask one of its admins to add you."
        )
    return desk.settings.default_role


def signed_in(desk: Desk, email: str, name: str | None = None) -> Identity:
    """The Identity of a person the identity provider vouched for, with their role."""
    email = normalise_email(email)
    return Identity(email=email, name=name or email, role=role_of(desk, email))


def operator(name: str) -> Identity:
    """The command line's identity: an operator acting as admin under their own name."""
    return Identity(email=None, name=name, role="admin", source="cli")


# What every mutating service accepts as `actor=`: an Identity, or for compatibility a plain name
# (a typed reviewer name without sign-in, allowed everything: see `as_identity`).
Actor = Identity | str


def as_identity(actor: Actor) -> Identity:
    """The Identity behind a service's `actor=` argument.

    A plain string is a name typed without sign-in (source "typed"), allowed everything, as the
    desk without `[auth]` behaves; pages with sign-in and the command line pass an Identity."""
    if isinstance(actor, Identity):
        return actor
    name = (actor or "").strip() or "unknown"
    return Identity(email=None, name=name, role="admin", source="typed")


def actor_name(actor: Actor) -> str:
    """What rows record as the person (`created_by`, `requested_by`, the event's actor)."""
    return as_identity(actor).actor


def on_behalf_of(requester: str | None, worker_id: str) -> Identity:
    """The worker's identity while it finishes a job: it acts for the person who queued it,
    with the least role that may generate (queueing already checked the requester's role)."""
    name = requester or worker_id
    email = name if "@" in name else None
    return Identity(email=email, name=name, role="reviewer", source="worker")


def authorise(actor: Actor, action: str) -> Identity:
    """The first line of every mutating service: the actor as an Identity, refused
    (NotAllowed, saying who can) unless their role may do `action`."""
    who = as_identity(actor)
    require(who, action)
    return who


def allowed(actor: Identity, action: str) -> bool:
    needed, _words = ACTIONS[action]
    return ROLE_RANK.get(actor.role, -1) >= ROLE_RANK[needed]


def require(actor: Identity, action: str) -> None:
    """Refuse (NotAllowed) unless the actor's role may do `action` (a key of ACTIONS)."""
    if allowed(actor, action):
        return
    needed, words = ACTIONS[action]
    raise NotAllowed(
        f"{actor.actor} is a {actor.role}: only {_WHO[needed]} can {words}. "
        f"Ask an admin of the desk to give you the {needed} role."
    )


def list_reviewers(desk: Desk, actor: Identity) -> list[ReviewerEntry]:
    """Everyone with a role (admins from STAGE8_ADMINS included), by email; admins only."""
    require(actor, "manage_reviewers")
    with desk.read() as session:
        rows = session.scalars(select(Reviewer).order_by(Reviewer.email)).all()
    entries = {
        r.email: ReviewerEntry(r.email, r.role, r.added_by, r.added_at)
        for r in rows
        if r.email not in desk.settings.admins
    }
    for email in desk.settings.admins:
        entries[email] = ReviewerEntry(email, "admin", "STAGE8_ADMINS", None, from_setting=True)
    return [entries[e] for e in sorted(entries)]


def add_reviewer(desk: Desk, actor: Identity, email: str, role: str) -> ReviewerEntry:
    """Give `email` the role (a new row, or a new role for a known person), recording who did it
    and when; admins only. One statement, so two admins adding the same person never fail."""
    require(actor, "manage_reviewers")
    email, role = normalise_email(email), check_role(role)
    values = {"email": email, "role": role, "added_by": actor.actor, "added_at": utcnow()}
    insert = pg_insert if desk.dialect == "postgresql" else sqlite_insert
    statement = insert(Reviewer).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Reviewer.email],
        set_={k: statement.excluded[k] for k in ("role", "added_by", "added_at")},
    )
    with desk.tx() as session:
        session.execute(statement)
    return ReviewerEntry(email, role, values["added_by"], values["added_at"])


def remove_reviewer(desk: Desk, actor: Identity, email: str) -> ReviewerEntry:
    """Take `email` off the reviewers table (they fall back to STAGE8_DEFAULT_ROLE); admins
    only. NotFound when they are not in it."""
    require(actor, "manage_reviewers")
    email = normalise_email(email)
    with desk.tx() as session:
        row = session.scalar(select(Reviewer).where(Reviewer.email == email))
        if row is None:
            raise NotFound(
                f"{email} is not in the reviewers table; `python -m stage8 reviewers list` "
                "shows who is."
            )
        entry = ReviewerEntry(row.email, row.role, row.added_by, row.added_at)
        session.execute(delete(Reviewer).where(Reviewer.id == row.id))
    return entry
