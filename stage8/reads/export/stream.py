"""Export of attempts, instances and decision events as flat tables, filtered in SQL.

`export_table` streams Arrow record batches straight from the database (ADBC; see
stage8.reads.export.arrow_read) into a writer of stage8.reads.export.formats, one batch at a
time, so memory stays flat however many rows there are. Columns and meaning are the stable
schema of docs/export_schema.md: ids as strings, UTC ISO 8601 times, exact decimal costs, scene
numbers and asset names beside the ids. Attempts and instances of deleted scenes are left out;
decision events are history and keep them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from stage8.config import Settings
from stage8.db.models import ASSET_TYPES, ATTEMPT_SOURCES, Project, ProjectAsset, Scene
from stage8.desk import Desk
from stage8.errors import InvalidInput, NotFound
from stage8.reads.export.arrow_read import record_batches
from stage8.reads.export.formats import (
    EXCEL_MAX_ROWS,
    WRITERS,
    Column,
    arrow_schema,
    text_column,
)
from stage8.reads.export.tables import DRIFT_BELOW, TABLES, Table

FORMATS = tuple(WRITERS)
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class ExportFilters:
    """What to export; None (or False) puts no restriction on that field.

    Scene numbers are inclusive. A `date` covers whole UTC days (date_to includes its day); a
    `datetime` must carry a time zone, date_from is inclusive and date_to exclusive. Dates
    filter attempts by creation, instances by their last change, events by when they happened.
    For instances, `source` and `selected_only` concern the selected attempt; for events,
    `source` is the source of the attempt the event is about. A filter that means nothing for a
    table (`unsupported_for`) is refused rather than ignored.
    """

    project: str | None = None
    scene_from: int | None = None
    scene_to: int | None = None
    asset_type: str | None = None
    asset_name: str | None = None
    source: str | None = None
    selected_only: bool = False
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    include_trashed: bool = False

    def __post_init__(self) -> None:
        if self.asset_type is not None and self.asset_type not in ASSET_TYPES:
            raise InvalidInput(f"Asset type {self.asset_type!r} is not one of {ASSET_TYPES}.")
        if self.source is not None and self.source not in ATTEMPT_SOURCES:
            raise InvalidInput(f"Source {self.source!r} is not one of {ATTEMPT_SOURCES}.")
        if None not in (self.scene_from, self.scene_to) and self.scene_from > self.scene_to:
            raise InvalidInput(f"Scenes {self.scene_from}–{self.scene_to}: the range is empty.")
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                raise InvalidInput(f"{name} needs a time zone: times are compared in UTC.")
        start, end = self.time_range()
        if start is not None and end is not None and start >= end:
            raise InvalidInput("The date range is empty: the start must be before the end.")

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """The dates as a half-open UTC interval [start, end)."""
        return _instant(self.date_from, end=False), _instant(self.date_to, end=True)

    def unsupported_for(self, what: str) -> list[str]:
        """Names of the filters that are set but mean nothing for the table `what`."""
        only = {"selected_only": ("attempts", "instances"), "include_trashed": ("attempts",)}
        return [
            f.name
            for f in fields(self)
            if f.name in only and what not in only[f.name] and getattr(self, f.name)
        ]


def _instant(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value + timedelta(days=1) if end else value, time(0), tzinfo=UTC)


WHATS = tuple(TABLES)


def _table(what: str) -> Table:
    if what not in TABLES:
        raise InvalidInput(f"Cannot export {what!r}: choose one of {', '.join(TABLES)}.")
    return TABLES[what]


def columns_of(what: str) -> list[Column]:
    """The stable column list (names and kinds) of the table `what`."""
    return _table(what).columns


def statement(
    what: str, filters: ExportFilters = ExportFilters(), *, drift_below: int = Settings.drift_below
) -> Select:
    """The table's SELECT with the filters applied, in export order; attempts under a
    continuity of `drift_below` (STAGE8_DRIFT_BELOW) are flagged drift. Computed columns (the
    instances' references) are not in it. The benchmark hands it to PostgreSQL's COPY."""
    t = _table(what)
    unsupported = filters.unsupported_for(what)
    if unsupported:
        raise InvalidInput(f"{' and '.join(unsupported)} cannot filter {what}.")
    f = filters
    start, end = f.time_range()
    conditions = [
        (f.project is not None, lambda: Project.name == f.project),
        (f.scene_from is not None, lambda: Scene.scene_number >= f.scene_from),
        (f.scene_to is not None, lambda: Scene.scene_number <= f.scene_to),
        (f.asset_type is not None, lambda: ProjectAsset.asset_type == f.asset_type),
        (f.asset_name is not None, lambda: ProjectAsset.name == f.asset_name),
        (f.source is not None, lambda: t.source == f.source),
        (f.selected_only, lambda: t.selected),
        (start is not None, lambda: t.when >= start),
        (end is not None, lambda: t.when < end),
        (t.live is not None and not f.include_trashed, lambda: t.live),
    ]
    stmt = t.joins(select(*(expr.label(name) for name, _, expr in t.sql)))
    stmt = stmt.where(*(make() for wanted, make in conditions if wanted)).order_by(*t.order)
    return stmt.params({DRIFT_BELOW.key: drift_below}) if what == "attempts" else stmt


def _check_project(session: Session, filters: ExportFilters) -> None:
    if filters.project is None:
        return
    if session.scalar(select(Project.id).where(Project.name == filters.project)) is None:
        names = ", ".join(session.scalars(select(Project.name).order_by(Project.name)))
        raise NotFound(f"No project named {filters.project!r}. Projects: {names or 'none'}.")


def table_batches(
    desk: Desk,
    what: str,
    filters: ExportFilters = ExportFilters(),
    *,
    limit: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """The rows as Arrow record batches with the table's export schema (`arrow_schema`),
    read by ADBC while one read transaction checks the project and adds computed columns."""
    table = _table(what)
    stmt = statement(what, filters, drift_below=desk.settings.drift_below)
    with desk.read() as session:
        _check_project(session, filters)
        yield from record_batches(
            session, stmt, table.columns, order=table.order, finish=table.finish, limit=limit
        )


def count_rows(desk: Desk, what: str, filters: ExportFilters = ExportFilters()) -> int:
    """How many rows the export has (one COUNT query)."""
    stmt = statement(what, filters).order_by(None)
    with desk.read() as session:
        _check_project(session, filters)
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def export_table(
    desk: Desk,
    what: str,
    fmt: str,
    out: BinaryIO,
    filters: ExportFilters = ExportFilters(),
) -> int:
    """Write the filtered table as `fmt` to the binary file `out`; returns the row count.

    Memory is bounded by one record batch whatever the size of the table. An Excel export
    too long for one sheet is refused before anything is written.
    """
    if fmt not in WRITERS:
        raise InvalidInput(f"Cannot write {fmt!r}: choose one of {', '.join(WRITERS)}.")
    if fmt == "xlsx" and count_rows(desk, what, filters) > EXCEL_MAX_ROWS:
        raise InvalidInput(
            f"An Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows and this export has more: "
            "narrow the filters or choose CSV or Parquet."
        )
    return WRITERS[fmt](out, columns_of(what), table_batches(desk, what, filters))


def export_bytes(
    desk: Desk, what: str, fmt: str, filters: ExportFilters = ExportFilters()
) -> bytes:
    """The export in memory, for a download button (files and stdout use export_table)."""
    buffer = io.BytesIO()
    export_table(desk, what, fmt, buffer, filters)
    return buffer.getvalue()


def preview(
    desk: Desk, what: str, filters: ExportFilters = ExportFilters(), limit: int = PREVIEW_ROWS
) -> pd.DataFrame:
    """The first `limit` rows with the values of the CSV export, for showing on a page."""
    columns = columns_of(what)
    batches = list(table_batches(desk, what, filters, limit=limit))
    table = pa.Table.from_batches(batches, schema=arrow_schema(columns))
    shown = [
        values if c.kind in ("int", "bool") else text_column(c.kind, values, booleans=("", ""))
        for c, values in zip(columns, (v.combine_chunks() for v in table.columns), strict=True)
    ]
    # Nullable dtypes, so a missing number stays empty instead of turning the column to float.
    dtypes = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    frame = pa.table(shown, names=[c.name for c in columns]).to_pandas(types_mapper=dtypes.get)
    return frame


@dataclass(frozen=True)
class FilterChoices:
    projects: list[str]
    asset_names: list[str]


def filter_choices(desk: Desk, project: str | None = None) -> FilterChoices:
    """Every project name, and the asset names of `project` (else of all projects), sorted."""
    with desk.read() as session:
        projects = list(session.scalars(select(Project.name).order_by(Project.name)))
        names = select(ProjectAsset.name).distinct().order_by(ProjectAsset.name)
        if project is not None:
            names = names.join(Project, Project.id == ProjectAsset.project_id)
            names = names.where(Project.name == project)
        return FilterChoices(projects, list(session.scalars(names)))
