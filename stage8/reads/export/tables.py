"""The exported tables: their stable columns (docs/export_schema.md) and the SQL behind them.

Each table is a list of (column name, kind, SQL expression) in schema order, the joins that
reach every expression, the export order, and the expressions the export filters compare.
Instances also get columns computed in Python (the effective master reference), added batch by
batch by `finish` in a fixed number of queries per batch.

An attempt's judgements (continuity against its instance's effective reference, drift, the
latest rating, the near-duplicate flag) come from joins in the same SELECT, never from a query
per row: the effective reference is the instance's chosen image, else the selected image of the
latest earlier live scene of the asset (a window over the scenes), else the asset's master
image, the same rule as stage8.decisions.references.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from stage8.config import Settings
from stage8.db.column_types import Money
from stage8.db.models import (
    Attempt,
    ContinuityScore,
    DecisionEvent,
    Image,
    Project,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions.references import reference_states
from stage8.reads.export.formats import Column


@dataclass(frozen=True)
class Table:
    """A table: its SQL columns (name, kind, expression), columns computed in Python
    afterwards by `finish`, joins, order, and the expressions the filters compare."""

    sql: list[tuple[str, str, Any]]
    joins: Callable[[Select], Select]
    order: tuple[Any, ...]
    source: Any
    when: Any
    selected: Any = None
    live: Any = None
    computed: list[Column] = field(default_factory=list)
    finish: Callable[[Session, list[int]], list[list[Any]]] | None = None

    @property
    def columns(self) -> list[Column]:
        return [Column(name, kind) for name, kind, _ in self.sql] + self.computed


_Inst = SceneAssetInstance
_sel = aliased(Attempt, name="selected_attempt")
_PLACE = [
    ("project", "text", Project.name),
    ("scene_id", "id", Scene.id),
    ("scene_number", "int", Scene.scene_number),
    ("scene_title", "text", Scene.title),
    ("asset_id", "id", ProjectAsset.id),
    ("asset_name", "text", ProjectAsset.name),
    ("asset_type", "text", ProjectAsset.asset_type),
]


# The threshold under which continuity is flagged drift: `statement` binds STAGE8_DRIFT_BELOW.
DRIFT_BELOW = bindparam("drift_below", Settings.drift_below, type_=Integer)


# Scene number and image id packed in one integer, so one MAX over the earlier scenes finds
# the latest scene that selected an image together with that image (image ids are 32-bit).
_PACK = 2**32


def _effective_references():
    """Each live instance's effective reference image: the chosen one, else the image selected
    in the latest earlier live scene of its asset, else the asset's master image (the rule of
    stage8.decisions.references, as one window over the scenes)."""
    inst, scene, picked, asset = (
        aliased(_Inst),
        aliased(Scene),
        aliased(Attempt),
        aliased(ProjectAsset),
    )
    earlier = {"partition_by": inst.asset_id, "order_by": scene.scene_number, "rows": (None, -1)}
    selected = picked.image_id.is_not(None)
    number = cast(scene.scene_number, BigInteger)
    latest_number = func.max(case((selected, number))).over(**earlier)
    latest_packed = func.max(case((selected, number * _PACK + picked.image_id))).over(**earlier)
    return (
        select(
            inst.id.label("instance_id"),
            func.coalesce(
                inst.reference_image_id, latest_packed - latest_number * _PACK, asset.image_id
            ).label("image_id"),
        )
        .select_from(inst)
        .join(scene, scene.id == inst.scene_id)
        .join(asset, asset.id == inst.asset_id)
        .outerjoin(picked, picked.id == inst.selected_attempt_id)
        .where(scene.deleted_at.is_(None))
        .subquery("effective_reference")
    )


_newest_rating = (
    select(DecisionEvent.attempt_id, func.max(DecisionEvent.id).label("event_id"))
    .where(DecisionEvent.kind == "rate", DecisionEvent.attempt_id.is_not(None))
    .group_by(DecisionEvent.attempt_id)
    .subquery("newest_rating")
)
_rating = aliased(DecisionEvent, name="rating_event")  # an attempt's newest "rate" event
_reference = _effective_references()


def _attempt_joins(stmt: Select) -> Select:
    # Outer joins for the judgements: SQLite keeps the attempts as the scanned table then.
    return (
        stmt.select_from(Attempt)
        .join(Image, Image.id == Attempt.image_id)
        .join(_Inst, _Inst.id == Attempt.instance_id)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
        .join(Project, Project.id == Scene.project_id)
        .outerjoin(_reference, _reference.c.instance_id == Attempt.instance_id)
        .outerjoin(
            ContinuityScore,
            and_(
                ContinuityScore.image_id == Attempt.image_id,
                ContinuityScore.reference_image_id == _reference.c.image_id,
            ),
        )
        .outerjoin(_newest_rating, _newest_rating.c.attempt_id == Attempt.id)
        .outerjoin(_rating, and_(_rating.id == _newest_rating.c.event_id, _rating.kind == "rate"))
        .where(Scene.deleted_at.is_(None))
    )


def _attempt_fields() -> list[tuple[str, str, Any]]:
    a = Attempt
    return [
        ("attempt_id", "id", a.id),
        *_PLACE,
        ("instance_id", "id", a.instance_id),
        ("attempt_number", "int", a.attempt_number),
        ("source", "text", a.source),
        ("selected", "bool", case((_Inst.selected_attempt_id == a.id, True), else_=False)),
        ("pinned", "bool", a.pinned),
        ("trashed", "bool", a.trashed_at.is_not(None)),
        ("trashed_at", "timestamp", a.trashed_at),
        ("trashed_reason", "text", a.trashed_reason),
        ("created_at", "timestamp", a.created_at),
        ("created_by", "text", a.created_by),
        ("cost_usd", "decimal", a.cost_usd),
        ("prompt", "text", a.prompt),
        ("provider", "text", a.provider),
        ("model", "text", a.model),
        ("duration_ms", "int", a.duration_ms),
        ("reference_image_id", "id", a.reference_image_id),
        ("generation_job_id", "id", a.generation_job_id),
        ("image_id", "id", Image.id),
        ("image_sha256", "text", Image.sha256),
        ("storage_key", "text", Image.storage_key),
        ("mime_type", "text", Image.mime_type),
        ("width", "int", Image.width),
        ("height", "int", Image.height),
        ("file_size", "int", func.coalesce(a.file_size, Image.byte_size)),
        ("original_filename", "text", a.original_filename),
        ("original_byte_size", "int", a.original_byte_size),
        ("original_format", "text", a.original_format),
        ("original_width", "int", a.original_width),
        ("original_height", "int", a.original_height),
        ("extra", "json", cast(a.extra, Text)),
        ("continuity", "int", ContinuityScore.score),
        ("drift", "bool", ContinuityScore.score < DRIFT_BELOW),
        ("continuity_reference_image_id", "id", ContinuityScore.reference_image_id),
        ("rating", "int", _rating.after["stars"].as_integer()),
        ("duplicate_of", "int", a.extra["near_duplicate_of"].as_integer()),
    ]


_counts = (
    select(
        Attempt.instance_id.label("instance_id"),
        func.count().label("attempts"),
        (func.count() - func.count(Attempt.trashed_at)).label("live"),
        func.sum(Attempt.cost_usd).label("cost"),
    )
    .group_by(Attempt.instance_id)
    .subquery("attempt_counts")
)


def _instance_joins(stmt: Select) -> Select:
    return (
        stmt.select_from(_Inst)
        .join(Scene, Scene.id == _Inst.scene_id)
        .join(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
        .join(Project, Project.id == Scene.project_id)
        .outerjoin(_sel, _sel.id == _Inst.selected_attempt_id)
        .outerjoin(_counts, _counts.c.instance_id == _Inst.id)
        .where(Scene.deleted_at.is_(None))
    )


_INSTANCE_FIELDS = [
    ("instance_id", "id", _Inst.id),
    *_PLACE,
    ("decided", "bool", _Inst.selected_attempt_id.is_not(None)),
    ("selected_attempt_id", "id", _Inst.selected_attempt_id),
    ("selected_attempt_number", "int", _sel.attempt_number),
    ("selected_source", "text", _sel.source),
    ("selected_image_id", "id", _sel.image_id),
    ("use_master_as_is", "bool", _Inst.use_master_as_is),
    ("attempts", "int", func.coalesce(_counts.c.attempts, 0)),
    ("live_attempts", "int", func.coalesce(_counts.c.live, 0)),
    ("total_cost_usd", "decimal", type_coerce(func.coalesce(_counts.c.cost, 0), Money())),
    ("updated_at", "timestamp", _Inst.updated_at),
    ("reference_chosen_by", "text", _Inst.reference_chosen_by),
    ("reference_chosen_at", "timestamp", _Inst.reference_chosen_at),
]
_REFERENCE_COLUMNS = [
    Column("reference_source", "text"),
    Column("reference_scene_number", "int"),
    Column("reference_image_id", "id"),
    Column("reference_is_default", "bool"),
    Column("reference_stale", "bool"),
    Column("reference_stale_reason", "text"),
]


def _with_references(session: Session, instance_ids: list[int]) -> list[list[Any]]:
    """The effective master reference of each instance, as the six columns of
    `_REFERENCE_COLUMNS` (a few queries per batch)."""
    refs = reference_states(session, instance_ids)
    rows = []
    for instance_id in instance_ids:
        ref = refs.get(instance_id)
        if ref is None:
            rows.append((None,) * len(_REFERENCE_COLUMNS))
            continue
        facts = (ref.effective_source, ref.effective_scene_number, ref.effective_image_id)
        rows.append((*facts, ref.is_default, ref.stale, ref.stale_reason))
    return [list(column) for column in zip(*rows, strict=True)] or [[] for _ in _REFERENCE_COLUMNS]


def _event_joins(stmt: Select) -> Select:
    return (
        stmt.select_from(DecisionEvent)
        .join(Project, Project.id == DecisionEvent.project_id)
        .outerjoin(_Inst, _Inst.id == DecisionEvent.instance_id)
        .outerjoin(Scene, Scene.id == _Inst.scene_id)
        .outerjoin(ProjectAsset, ProjectAsset.id == _Inst.asset_id)
        .outerjoin(Attempt, Attempt.id == DecisionEvent.attempt_id)
    )


_E = DecisionEvent
_EVENT_FIELDS = [
    ("event_id", "id", _E.id),
    *_PLACE,
    (
        "scene_deleted",
        "bool",
        case((Scene.id.is_(None), None), else_=Scene.deleted_at.is_not(None)),
    ),
    ("instance_id", "id", _E.instance_id),
    ("attempt_id", "id", _E.attempt_id),
    ("attempt_number", "int", Attempt.attempt_number),
    ("attempt_source", "text", Attempt.source),
    ("kind", "text", _E.kind),
    ("actor", "text", _E.actor),
    ("role", "text", _E.role),
    ("actor_source", "text", _E.actor_source),
    ("created_at", "timestamp", _E.created_at),
    ("before", "json", cast(_E.before, Text)),
    ("after", "json", cast(_E.after, Text)),
    ("reason", "text", _E.reason),
    ("reason_code", "text", _E.reason_code),
    ("rating", "int", case((_E.kind == "rate", _E.after["stars"].as_integer()))),
]

TABLES: dict[str, Table] = {
    "attempts": Table(
        sql=_attempt_fields(),
        joins=_attempt_joins,
        order=(Project.id, Scene.scene_number, ProjectAsset.name, Attempt.attempt_number),
        source=Attempt.source,
        when=Attempt.created_at,
        selected=_Inst.selected_attempt_id == Attempt.id,
        live=Attempt.trashed_at.is_(None),
    ),
    "instances": Table(
        sql=_INSTANCE_FIELDS,
        joins=_instance_joins,
        order=(Project.id, Scene.scene_number, ProjectAsset.name),
        source=_sel.source,
        when=_Inst.updated_at,
        selected=_Inst.selected_attempt_id.is_not(None),
        computed=_REFERENCE_COLUMNS,
        finish=_with_references,
    ),
    "events": Table(
        sql=_EVENT_FIELDS,
        joins=_event_joins,
        order=(_E.id,),
        source=Attempt.source,
        when=_E.created_at,
    ),
}
