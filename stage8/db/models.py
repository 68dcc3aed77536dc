"""SQLAlchemy models: the tables of the design, named after the original pipeline's tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stage8.db.column_types import Money, UTCDateTime, utcnow

ASSET_TYPES = ("character", "location", "prop")
ATTEMPT_SOURCES = ("generated", "uploaded", "master_copy", "legacy")
JOB_STATUSES = ("queued", "running", "succeeded", "failed")
REVIEWER_ROLES = ("viewer", "reviewer", "admin")  # from least to most allowed

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Scene(Base):
    __tablename__ = "scenes"
    __table_args__ = (
        # Live scene numbers are unique per project; a soft-deleted scene keeps its old number.
        Index(
            "uq_scenes_live_number",
            "project_id",
            "scene_number",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    scene_number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Image(Base):
    """One stored image object. Immutable; attempts and assets share rows instead of copying."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(500), unique=True)
    thumb_key: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime_type: Mapped[str] = mapped_column(String(50))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    thumb_byte_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectAsset(Base):
    """A master asset: a character, location or prop with its master image."""

    __tablename__ = "project_assets"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        CheckConstraint(_in("asset_type", ASSET_TYPES), name="asset_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    asset_type: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SceneAssetInstance(Base):
    """An asset as it appears in one scene, with the reviewer's decisions about it.

    `selected_attempt_id` is a pointer with a foreign key on (id, selected_attempt_id), so the
    selected attempt always belongs to this instance and there can be at most one (invariant 1).
    """

    __tablename__ = "scene_asset_instances"
    __table_args__ = (
        UniqueConstraint("scene_id", "asset_id"),
        ForeignKeyConstraint(
            ["id", "selected_attempt_id"],
            [
                "scene_asset_generation_attempts.instance_id",
                "scene_asset_generation_attempts.id",
            ],
            name="fk_scene_asset_instances_selected_attempt",
            use_alter=True,
        ),
        CheckConstraint(
            "reference_scene_id IS NULL OR reference_image_id IS NOT NULL",
            name="reference_scene_needs_image",
        ),
    )

    # autoincrement must be explicit: id is also part of the selected-attempt foreign key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("project_assets.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)  # None: same as the asset's
    tags: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))  # None: as asset
    use_master_as_is: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    selected_attempt_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Bumped by every human change of the selection; a job queued at an older version must not
    # overwrite the reviewer's choice.
    selection_version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Bumped once by every decision that records an event on this instance (`decisions.versions`);
    # a page sends back the version it showed, and a decision made against an older one is refused.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The reviewer's chosen master reference; NULL image means "follow the default".
    reference_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), index=True)
    reference_scene_id: Mapped[int | None] = mapped_column(ForeignKey("scenes.id"))
    reference_chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reference_chosen_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Attempt(Base):
    """One image attempt of an instance: generated, uploaded, copied from a reference, or legacy."""

    __tablename__ = "scene_asset_generation_attempts"
    __table_args__ = (
        UniqueConstraint("instance_id", "attempt_number"),
        UniqueConstraint("instance_id", "id", name="uq_attempts_instance_id_id"),
        CheckConstraint(_in("source", ATTEMPT_SOURCES), name="source"),
        CheckConstraint("attempt_number >= 1", name="attempt_number_positive"),
        Index("ix_attempts_live", "instance_id", "trashed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("scene_asset_instances.id"))
    attempt_number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"), index=True)
    prompt: Mapped[str | None] = mapped_column(Text)
    cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    provider: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(100))
    reference_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), index=True)
    generation_job_id: Mapped[int | None] = mapped_column(
        ForeignKey("generation_jobs.id"), index=True
    )
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    original_filename: Mapped[str | None] = mapped_column(String(1000))
    original_byte_size: Mapped[int | None] = mapped_column(Integer)
    original_format: Mapped[str | None] = mapped_column(String(20))
    original_width: Mapped[int | None] = mapped_column(Integer)
    original_height: Mapped[int | None] = mapped_column(Integer)
    file_size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(50))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    trashed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trashed_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GenerationJob(Base):
    """A queued image generation; workers claim it with a lease, so a dead worker's job is
    retried."""

    __tablename__ = "generation_jobs"
    __table_args__ = (
        CheckConstraint(_in("status", JOB_STATUSES), name="status"),
        Index("ix_generation_jobs_claim", "status", "available_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("scene_asset_instances.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    prompt: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(100))
    reference_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str | None] = mapped_column(String(200))
    selection_version_at_queue: Mapped[int] = mapped_column(Integer, default=0)
    estimated_cost_usd: Mapped[Decimal | None] = mapped_column(Money)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    max_tries: Mapped[int] = mapped_column(Integer, default=3)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("scene_asset_generation_attempts.id", use_alter=True)
    )
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DecisionEvent(Base):
    """Append-only log of every change of a decision, with who, when, before and after."""

    __tablename__ = "decision_events"
    __table_args__ = (Index("ix_decision_events_instance_time", "instance_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("scene_asset_instances.id"))
    attempt_id: Mapped[int | None] = mapped_column(Integer)  # no FK: purged attempts keep history
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)  # the reviewer's note, or the desk's reason
    reason_code: Mapped[str | None] = mapped_column(String(40))  # one of STAGE8_REASON_CODES
    role: Mapped[str | None] = mapped_column(String(20))  # the actor's role when they decided
    # How the desk knew the actor: "sign-in", "typed" (no sign-in configured), "cli", "worker".
    actor_source: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reviewer(Base):
    """A person the desk knows by email, with their role; who added them and when. Emails are
    stored in lower case, so one person has one row whatever the provider's spelling."""

    __tablename__ = "reviewers"
    __table_args__ = (
        CheckConstraint(_in("role", REVIEWER_ROLES), name="role"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Presence(Base):
    """Who has a scene open: one row per browser session and scene, refreshed by a heartbeat;
    a row older than the expiry (about 30 s) means the person has left."""

    __tablename__ = "reviewer_presence"
    __table_args__ = (UniqueConstraint("scene_id", "session_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id"), index=True)
    session_id: Mapped[str] = mapped_column(String(64))  # one browser tab's session
    actor: Mapped[str] = mapped_column(String(200))  # email, or the typed name
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(20))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ContinuityScore(Base):
    """How alike an image looks to a reference image (stage8.images.similarity), computed once
    per pair; an attempt's continuity is the score of its image against its instance's
    effective reference. Rows go with either image (ON DELETE CASCADE)."""

    __tablename__ = "continuity_scores"

    image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    reference_image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    score: Mapped[int] = mapped_column(Integer)
    perceptual: Mapped[float] = mapped_column(Float)
    gradient: Mapped[float] = mapped_column(Float)
    colour: Mapped[float] = mapped_column(Float)
    structure: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
