"""Export of attempts, instances and decision events as flat tables, filtered in SQL.

`export_table` streams rows from a server-side cursor (`yield_per` chunks; on PostgreSQL a named
cursor) into one of the writers of stage8.export_formats, so memory stays flat however many rows
there are. The columns and their meaning are the stable schema of docs/export_schema.md: ids as
strings, UTC ISO 8601 times, exact decimal costs, scene numbers and asset names beside the ids.
Attempts and instances of deleted scenes are left out; decision events are history and keep them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, BinaryIO

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from stage8.desk import Desk
from stage8.errors import Stage8Error
from stage8.export_formats import (
    EXCEL_MAX_ROWS,
    MIME_TYPES,
    WRITERS,
    Column,
    converter,
)
from stage8.export_tables import TABLES, Table
from stage8.models import ASSET_TYPES, ATTEMPT_SOURCES, Project, ProjectAsset
from stage8.references import reference_states

WHATS = tuple(TABLES)
FORMATS = tuple(WRITERS)
CHUNK = 5000
PREVIEW_ROWS = 200

# Which filters mean something for each table (the others are refused, never silently ignored).
APPLIES = {
    "attempts": {"selected_only", "include_trashed"},
    "instances": {"selected_only"},
    "events": set(),
}
_COMMON = {"project", "scene_from", "scene_to", "asset_type", "asset_name", "source"}
_COMMON |= {"date_from", "date_to"}


@dataclass(frozen=True)
class ExportFilters:
    """What to export. None (or False) means no restriction on that field.

    Scene numbers are inclusive. A `date` covers whole UTC days (date_to includes its day); a
    `datetime` must carry a time zone: date_from is inclusive, date_to exclusive. Dates filter
    attempts by creation, instances by their last change, events by when they happened. For
    instances `source` and `selected_only` concern the selected attempt; for events `source` is
    the source of the attempt the event is about.
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
            raise Stage8Error(
                f"Asset type {self.asset_type!r} is not one of {', '.join(ASSET_TYPES)}."
            )
        if self.source is not None and self.source not in ATTEMPT_SOURCES:
            raise Stage8Error(f"Source {self.source!r} is not one of {', '.join(ATTEMPT_SOURCES)}.")
        if None not in (self.scene_from, self.scene_to) and self.scene_from > self.scene_to:
            raise Stage8Error(
                f"The scene range {self.scene_from}–{self.scene_to} is empty: "
                "the first scene must not be after the last."
            )
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if isinstance(value, datetime) and value.tzinfo is None:
                raise Stage8Error(f"{name} needs a time zone (times are compared in UTC).")
        start, end = self.time_range()
        if start is not None and end is not None and start >= end:
            raise Stage8Error("The date range is empty: the start must be before the end.")

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) in UTC."""
        return _instant(self.date_from, end=False), _instant(self.date_to, end=True)

    def unsupported_for(self, what: str) -> list[str]:
        """Names of the filters that are set but mean nothing for the table `what`."""
        allowed = _COMMON | APPLIES[_table(what).name]
        defaults = ExportFilters.__dataclass_fields__
        return [
            f.name
            for f in fields(self)
            if f.name not in allowed and getattr(self, f.name) != defaults[f.name].default
        ]


def _instant(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=UTC)


def _table(what: str) -> Table:
    if what not in TABLES:
        raise Stage8Error(f"Cannot export {what!r}: choose one of {', '.join(TABLES)}.")
    return TABLES[what]


def columns_of(what: str) -> list[Column]:
    """The stable column list of the table (names and kinds)."""
    return list(_table(what).columns)


def statement(what: str, filters: ExportFilters = ExportFilters()) -> Select:
    """The SELECT of the table with the filters applied, in export order (also what the
    benchmark hands to PostgreSQL's COPY)."""
    table = _table(what)
    unsupported = filters.unsupported_for(what)
    if unsupported:
        raise Stage8Error(
            f"{', '.join(unsupported)} cannot filter {what}; "
            f"it applies to {', '.join(w for w in TABLES if set(unsupported) <= _allowed(w))}."
        )
    return table.query(filters)


def _allowed(what: str) -> set[str]:
    return _COMMON | APPLIES[what]


def _check_project(session: Session, filters: ExportFilters) -> None:
    if filters.project is None:
        return
    if session.scalar(select(Project.id).where(Project.name == filters.project)) is None:
        names = ", ".join(session.scalars(select(Project.name).order_by(Project.name)))
        raise Stage8Error(f"No project named {filters.project!r}. Projects: {names or 'none'}.")


def table_chunks(
    desk: Desk,
    what: str,
    filters: ExportFilters = ExportFilters(),
    *,
    chunk_size: int = CHUNK,
    limit: int | None = None,
) -> Iterator[list[Sequence[Any]]]:
    """The table's rows in chunks of at most `chunk_size`, values as the database returns
    them, read in one transaction (a consistent snapshot) through a server-side cursor."""
    table = _table(what)
    stmt = statement(what, filters)
    if limit is not None:
        stmt = stmt.limit(limit)
    with desk.tx() as session:
        _check_project(session, filters)
        conn = session.connection()
        result = conn.execution_options(stream_results=True, yield_per=chunk_size).execute(stmt)
        for part in result.partitions():
            rows = [tuple(r) for r in part]
            yield table.finish(session, rows) if table.finish else rows


def count_rows(desk: Desk, what: str, filters: ExportFilters = ExportFilters()) -> int:
    """How many rows the export of `what` with these filters has (one COUNT query)."""
    stmt = statement(what, filters).order_by(None)
    with desk.tx() as session:
        _check_project(session, filters)
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def export_table(
    desk: Desk,
    what: str,
    fmt: str,
    out: BinaryIO,
    filters: ExportFilters = ExportFilters(),
    *,
    chunk_size: int = CHUNK,
) -> int:
    """Write the filtered table in format `fmt` to the binary file `out`; returns the row count.

    Memory is bounded by `chunk_size` rows whatever the size of the table. An Excel export
    that would not fit in one sheet is refused before anything is written.
    """
    if fmt not in WRITERS:
        raise Stage8Error(f"Cannot write {fmt!r}: choose one of {', '.join(WRITERS)}.")
    if fmt == "xlsx" and count_rows(desk, what, filters) > EXCEL_MAX_ROWS:
        raise Stage8Error(
            f"An Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows and this export has more: "
            "narrow the filters or choose CSV or Parquet."
        )
    chunks = table_chunks(desk, what, filters, chunk_size=chunk_size)
    return WRITERS[fmt](out, columns_of(what), chunks)


def export_bytes(
    desk: Desk, what: str, fmt: str, filters: ExportFilters = ExportFilters()
) -> bytes:
    """The export as bytes in memory (for a download button; use export_table for files)."""
    buffer = io.BytesIO()
    export_table(desk, what, fmt, buffer, filters)
    return buffer.getvalue()


def mime_type(fmt: str) -> str:
    return MIME_TYPES[fmt]


def preview(
    desk: Desk, what: str, filters: ExportFilters = ExportFilters(), limit: int = PREVIEW_ROWS
) -> pd.DataFrame:
    """The first `limit` rows with the export's values (as in the CSV) for showing on a page."""
    columns = columns_of(what)
    convert = converter(columns)
    rows = [
        convert(row) for chunk in table_chunks(desk, what, filters, limit=limit) for row in chunk
    ]
    return pd.DataFrame(rows, columns=[c.name for c in columns])


@dataclass(frozen=True)
class FilterChoices:
    """What the filter widgets offer: every project, and the asset names (of one project)."""

    projects: list[str]
    asset_names: list[str]


def filter_choices(desk: Desk, project: str | None = None) -> FilterChoices:
    """Project names and asset names (of `project`, or of every project) in name order."""
    with desk.tx() as session:
        projects = list(session.scalars(select(Project.name).order_by(Project.name)))
        names = select(ProjectAsset.name).distinct().order_by(ProjectAsset.name)
        if project is not None:
            names = names.join(Project, Project.id == ProjectAsset.project_id).where(
                Project.name == project
            )
        return FilterChoices(projects, list(session.scalars(names)))


def _instance_references(session: Session, rows: list[Sequence[Any]]) -> list[Sequence[Any]]:
    """Fill the instance rows' reference columns from the reference chain (a few queries)."""
    from stage8.export_tables import INSTANCE_REFERENCE_SLOTS

    first = INSTANCE_REFERENCE_SLOTS
    refs = reference_states(session, [r[0] for r in rows])
    out = []
    for row in rows:
        ref = refs.get(row[0])
        facts = (
            (
                ref.effective_source,
                ref.effective_scene_number,
                ref.effective_image_id,
                ref.is_default,
                ref.stale,
                ref.stale_reason,
            )
            if ref
            else (None,) * 6
        )
        out.append((*row[:first], *facts, *row[first + 6 :]))
    return out


TABLES["instances"].finish = _instance_references
