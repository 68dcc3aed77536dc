"""The export's SELECT read as Arrow record batches in the export schema, straight from the
database through ADBC, never row by row in Python.

PostgreSQL: the ADBC driver runs the query as `COPY (...) TO STDOUT (FORMAT binary)` and decodes
it into Arrow in C, batch by batch. It streams only a query without bound parameters (with
parameters it would fetch the whole result at once), so the filters' values are inlined by
psycopg's own client-side quoting (`ClientCursor.mogrify`), the same text psycopg would send.

SQLite: the ADBC driver steps the statement and builds Arrow arrays in C; the values are inlined
by SQLAlchemy's SQLite literal rendering (quotes doubled; SQLite has no backslash escapes). The
driver infers each column's type from the first batch, so a column that is NULL throughout it
and holds text later would fail: a typed first row (`_SENTINEL`) fixes every type, sorts first
(NULL order keys sort first in SQLite) and is dropped.

`conform` then casts each column to the type of `formats.arrow_schema`: ids to strings, SQLite's
0/1 to booleans, its integer money (1e-8 dollars) and PostgreSQL's numeric text to
decimal128(18, 8), SQLite's naive UTC text times to timestamp[us, UTC]. One batch is held at a
time, so memory does not grow with the row count.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue
from typing import Any

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc_postgresql
import adbc_driver_sqlite.dbapi as adbc_sqlite
import numpy as np
import psycopg
import pyarrow as pa
from sqlalchemy import Select, literal, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from stage8.db.column_types import MONEY_SCALE
from stage8.errors import DatabaseUnavailable
from stage8.reads.export.formats import Column, arrow_schema
from stage8.redaction import masked_url

# Rows per batch on SQLite, and the byte size PostgreSQL's reader aims at per batch: large enough
# for Arrow's kernels to run at full speed, small enough to keep memory flat.
SQLITE_BATCH_ROWS = 16_384
POSTGRES_BATCH_BYTES = 8 * 2**20
_ORDER = "_export_order_"
_DECIMAL = pa.decimal128(18, MONEY_SCALE)
_UTC = pa.timestamp("us", tz="UTC")

# A computed part of a table: the session and the row keys of one batch -> the extra columns.
Finish = Callable[[Session, list[int]], list[list[Any]]]


def record_batches(
    session: Session,
    stmt: Select,
    columns: list[Column],
    *,
    order: tuple[Any, ...],
    finish: Finish | None = None,
    limit: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """The first `limit` (else all) rows of `stmt`, whose ORDER BY is `order`, as batches
    with the schema of `arrow_schema(columns)`; `finish` adds the trailing computed columns.

    The database is read and its columns cast one batch ahead on a thread, while the caller
    writes the current batch (ADBC and Arrow release the GIL), so the reading and the writing
    overlap; the session is used on the caller's thread only."""
    schema = arrow_schema(columns)
    sql_columns = columns[: len(stmt.selected_columns)]
    if session.bind.dialect.name == "postgresql":
        query = _postgres_query(session, stmt if limit is None else stmt.limit(limit))
    else:
        query = _sqlite_query(session, stmt, sql_columns, order, limit)
    for arrays in _read_ahead(_conformed(query, sql_columns)):
        if finish is not None:
            extra = finish(session, [int(v) for v in arrays[0].to_pylist()])
            arrays += [
                conform(c.kind, pa.array(values))
                for values, c in zip(extra, columns[len(sql_columns) :], strict=True)
            ]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


@dataclass(frozen=True)
class _Query:
    """A query ready for an ADBC driver: its text, how to connect, the statement's options,
    the URL to name in an error (password masked), and the typed first row to drop (SQLite)."""

    sql: str
    connect: Callable[[], Any]
    options: dict[str, str]
    shown_url: str
    sentinel: bool = False


def _unavailable(url: str, exc: Exception) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"The export could not read the database at {masked_url(url)} "
        f"({type(exc).__name__}): check STAGE8_DATABASE_URL and that the database is running."
    )


def _conformed(query: _Query, columns: list[Column]) -> Iterator[list[pa.Array]]:
    """The query's batches, each as its columns cast to the export types."""
    try:
        connection = query.connect()
    except adbc_driver_manager.Error as exc:
        raise _unavailable(query.shown_url, exc) from None
    with closing(connection), closing(connection.cursor()) as cursor:
        cursor.adbc_statement.set_options(**query.options)
        first = query.sentinel
        try:
            cursor.execute(query.sql)
            for batch in cursor.fetch_record_batch():
                if first:
                    batch, first = batch.slice(1), False
                if batch.num_rows:
                    yield [conform(c.kind, batch.column(i)) for i, c in enumerate(columns)]
        except adbc_driver_manager.OperationalError as exc:
            raise _unavailable(query.shown_url, exc) from None


_DONE = object()


def _read_ahead(items: Iterator[Any]) -> Iterator[Any]:
    """`items`, produced one ahead on a thread; an error there is raised here. When the caller
    stops early, the thread stops and closes `items` (and so its connection) itself."""
    queue: Queue[Any] = Queue(maxsize=1)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    break
            put(_DONE)
        except BaseException as exc:  # handed to the caller's thread, raised there
            put(exc)
        finally:
            items.close()

    thread = threading.Thread(target=produce, name="export-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _postgres_query(session: Session, stmt: Select) -> _Query:
    compiled = stmt.compile(dialect=session.bind.dialect)
    driver = session.connection().connection.driver_connection
    sql = psycopg.ClientCursor(driver).mogrify(str(compiled), compiled.params)
    url = session.bind.url.set(drivername="postgresql")
    uri = url.render_as_string(hide_password=False)
    return _Query(
        sql=sql,
        connect=lambda: adbc_postgresql.connect(uri),
        options={"adbc.postgresql.batch_size_hint_bytes": str(POSTGRES_BATCH_BYTES)},
        shown_url=url.render_as_string(),
    )


# The sentinel row's value per kind, in SQLite's storage types (money is an integer there).
_SENTINEL = {"id": 0, "int": 0, "bool": 0, "decimal": 0, "text": "", "json": "", "timestamp": ""}


def _sqlite_query(
    session: Session,
    stmt: Select,
    columns: list[Column],
    order: tuple[Any, ...],
    limit: int | None,
) -> _Query:
    keys = [expr.label(f"{_ORDER}{i}") for i, expr in enumerate(order)]
    rows = stmt.order_by(None).add_columns(*keys)
    typed = [literal(_SENTINEL[c.kind]).label(c.name) for c in columns]
    first = select(*typed, *(null().label(k.name) for k in keys))
    query = union_all(first, rows.subquery().select())
    query = query.order_by(*(literal_column(k.name) for k in keys))
    if limit is not None:
        query = query.limit(limit + 1)
    sql = str(query.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}))
    path = session.bind.url.database
    if not path or path == ":memory:":
        raise DatabaseUnavailable("An in-memory SQLite database cannot be exported: use a file.")
    uri = f"{Path(path).absolute().as_uri()}?mode=ro"
    return _Query(
        sql=sql,
        connect=lambda: adbc_sqlite.connect(uri),
        options={"adbc.sqlite.query.batch_rows": str(SQLITE_BATCH_ROWS)},
        shown_url=f"sqlite:///{path}",
        sentinel=True,
    )


def conform(kind: str, values: pa.Array) -> pa.Array:
    """One column as the database returned it, cast to its export type (see the module)."""
    if isinstance(values.type, pa.ExtensionType):  # PostgreSQL numeric: its text as storage
        values = values.storage
    if kind in ("id", "text", "json"):
        return values if values.type == pa.string() else values.cast(pa.string())
    if kind == "int":
        return values.cast(pa.int64())
    if kind == "bool":
        return values if values.type == pa.bool_() else values.cast(pa.bool_())
    if kind == "decimal":
        if pa.types.is_integer(values.type):
            return _money_from_units(values.cast(pa.int64()))
        return values.cast(_DECIMAL)
    if kind == "timestamp":
        if pa.types.is_string(values.type) or pa.types.is_null(values.type):
            values = values.cast(pa.timestamp("us"))
        return values.cast(_UTC)  # naive values are UTC: a relabelling, not a conversion
    raise ValueError(f"unknown column kind {kind!r}")


def _money_from_units(units: pa.Array) -> pa.Array:
    """SQLite's money (an integer count of 1e-8 dollars) as decimal128(18, 8), exactly: the
    integer is the decimal's unscaled value, sign-extended to 128 bits."""
    low = units.fill_null(0).to_numpy(zero_copy_only=False).astype("<i8")
    words = np.empty((len(low), 2), dtype="<i8")
    words[:, 0] = low
    words[:, 1] = low >> 63
    validity = units.is_valid().buffers()[1] if units.null_count else None
    buffers = [validity, pa.py_buffer(words)]
    return pa.Array.from_buffers(_DECIMAL, len(units), buffers, units.null_count)
