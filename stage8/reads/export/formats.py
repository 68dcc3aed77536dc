"""Writers of exported tables: CSV, Parquet, Excel and JSON Lines, each streaming Arrow record
batches into a binary file object (a file on disk, a BytesIO for a download, stdout).

A writer takes the table's columns and an iterator of record batches with the schema of
`arrow_schema` (stage8.reads.export.arrow_read reads them from the database) and holds one batch
at a time, so memory does not grow with the row count. Every writer returns the number of data
rows written. CSV and JSON Lines are built a column at a time with pyarrow.compute
(stage8.reads.export.cells), Parquet is the batches themselves; Excel goes cell by cell through
openpyxl (a sheet holds at most a million rows anyway).

The schema is the same in every format (docs/export_schema.md): ids are strings, times are UTC,
costs are exact decimals with 8 places, JSON values are JSON text. Where a format cannot hold a
value exactly, the writer says how below; it never rounds silently.

Formats a spreadsheet opens (CSV, Excel) never carry a formula: a text cell that a spreadsheet
would read as one (`formula_like`, `formula_like_cells` for a whole column) is prefixed with `'`
in CSV and written as a text cell with Excel's quote-prefix flag in Excel. Parquet and JSON Lines
keep the exact text.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from stage8.db.column_types import MONEY_SCALE
from stage8.errors import InvalidInput
from stage8.reads.export import cells

KINDS = ("id", "text", "int", "bool", "decimal", "timestamp", "json")
EXCEL_MAX_ROWS = 1_048_575  # a sheet has 1,048,576 rows; one is the header
_PLACES = Decimal(1).scaleb(-MONEY_SCALE)


@dataclass(frozen=True)
class Column:
    """One exported column: its name and kind (one of KINDS, see docs/export_schema.md)."""

    name: str
    kind: str


Batches = Iterable[pa.RecordBatch]


# Spreadsheet formula injection (the OWASP "CSV injection" rule): Excel, LibreOffice and Google
# Sheets read a cell that begins with one of these as a formula (`=HYPERLINK(...)`, `@SUM(...)`,
# `-2+3`), or drop a leading tab or carriage return and read what follows.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Kinds whose cells are free text in a spreadsheet; numbers, ids and times are never guarded.
TEXT_KINDS = frozenset({"text", "json"})


def formula_like(kind: str, value: Any) -> bool:
    """Whether a spreadsheet would read this cell as a formula: the one test behind the CSV
    prefix and the Excel text cell, so both formats guard the same cells."""
    return kind in TEXT_KINDS and isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def formula_like_cells(values: pa.Array) -> pa.Array:
    """`formula_like` for a whole text column at once (a boolean column; false for null)."""
    starts = [pc.starts_with(values, trigger) for trigger in FORMULA_TRIGGERS]
    return pc.fill_null(functools.reduce(pc.or_, starts), False)


def spreadsheet_text(values: pa.Array) -> pa.Array:
    """Text cells as CSV cells that spreadsheets show as text: formula-like text gets a leading
    apostrophe, the spreadsheet's own "this is text" mark; anything else unchanged."""
    if not cells.starts_with_any(values, "".join(FORMULA_TRIGGERS).encode()):
        return values
    guard = formula_like_cells(values)
    return pc.if_else(guard, pc.binary_join_element_wise("'", values, ""), values)


_ARROW_TYPES = {
    "id": pa.string(),
    "text": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "decimal": pa.decimal128(18, MONEY_SCALE),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "json": pa.string(),
}


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    """The explicit schema of every batch and of Parquet files: the same types whatever the
    data (even zero rows)."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.kind], nullable=True) for c in columns])


def text_column(kind: str, values: pa.Array, *, booleans: tuple[str, str]) -> pa.Array:
    """A column as the text formats write it (null stays null): ids and text unchanged, costs
    with 8 places, ISO 8601 UTC times, booleans as the two words given."""
    if kind == "decimal":
        return cells.decimal_text(values)
    if kind == "timestamp":
        return cells.timestamp_text(values)
    if kind == "bool":
        return cells.bool_text(values, *booleans)
    if kind == "int":
        return values.cast(pa.string())
    return values


def _joined(parts: list, separator: str, out: BinaryIO) -> None:
    """Join string columns (and scalars) row-wise with `separator`, null as empty, and write
    the rows as they lie in the result's buffer."""
    lines = pc.binary_join_element_wise(*parts, separator, null_handling="replace")
    offsets = np.frombuffer(lines.buffers()[1], dtype="<i4")
    data = lines.buffers()[2]
    if data is not None:
        out.write(memoryview(data)[offsets[lines.offset] : offsets[lines.offset + len(lines)]])


def write_csv(out: BinaryIO, columns: Sequence[Column], batches: Batches) -> int:
    """RFC 4180 CSV in UTF-8 (no byte-order mark), a header row, CRLF line ends, empty cell for
    null, booleans as True/False; a formula-like text cell is prefixed with `'`."""
    out.write((",".join(c.name for c in columns) + "\r\n").encode("utf-8"))
    count = 0
    for batch in batches:
        parts = []
        for c, values in zip(columns, batch.columns, strict=True):
            text = text_column(c.kind, values, booleans=("True", "False"))
            if c.kind in TEXT_KINDS:
                text = cells.csv_quoted(spreadsheet_text(text))
            parts.append(text)
        parts[-1] = pc.binary_join_element_wise(parts[-1], "", "\r\n", null_handling="replace")
        _joined(parts, ",", out)
        count += batch.num_rows
    return count


def write_jsonl(out: BinaryIO, columns: Sequence[Column], batches: Batches) -> int:
    """One JSON object per line (UTF-8, every column present, null for missing values).

    Costs and times are JSON strings, as in the CSV: a JSON number would be read as a float.
    """
    count = 0
    for batch in batches:
        parts: list = []
        for i, (c, values) in enumerate(zip(columns, batch.columns, strict=True)):
            text = text_column(c.kind, values, booleans=("true", "false"))
            if c.kind in ("id", "decimal", "timestamp"):
                text = pc.binary_join_element_wise('"', text, '"', "")  # nothing to escape
            elif c.kind in TEXT_KINDS:
                text = cells.json_string(text)
            parts += [("{" if i == 0 else ", ") + json.dumps(c.name) + ": ", text.fill_null("null")]
        parts.append("}\n")
        _joined(parts, "", out)
        count += batch.num_rows
    return count


def write_parquet(out: BinaryIO, columns: Sequence[Column], batches: Batches) -> int:
    """Parquet (zstd) with the schema of `arrow_schema`: decimal128(18, 8) costs, microsecond
    UTC timestamps; a row group per batch."""
    schema = arrow_schema(columns)
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            count += batch.num_rows
    return count


def _excel_cost(value: Decimal) -> float | str:
    """A cost as an Excel number when a double holds it to the cent-millionth, else as text.

    Excel stores every number as a double (15 significant digits); every cost below
    $10,000,000 fits. A larger one is written as its exact text rather than rounded.
    """
    number = float(value)
    if Decimal(repr(number)).quantize(_PLACES) == value.quantize(_PLACES):
        return number
    return format(value, "f")


def _excel_text(ws: Any, text: str, *, quote_prefix: bool) -> WriteOnlyCell:
    """A cell that holds `text` as text: openpyxl would store "=…" as a formula and "#N/A" as an
    error value. `quote_prefix` is Excel's "typed with a leading apostrophe" flag: the cell
    shows the exact text and stays text when someone edits it."""
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if quote_prefix:
        cell.quotePrefix = True
    return cell


def write_xlsx(out: BinaryIO, columns: Sequence[Column], batches: Batches) -> int:
    """An .xlsx workbook with one sheet (openpyxl write-only mode: rows go to a temporary
    file, not memory). Ids are text, costs numbers formatted with 8 places, times Excel
    date-times in UTC (Excel keeps milliseconds), JSON as text; text is never a formula (a
    formula-like cell is a text cell with the quote-prefix flag)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("export")
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    kinds = [c.kind for c in columns]

    def cell_of(kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "decimal":
            cell = WriteOnlyCell(ws, value=_excel_cost(value))
            cell.number_format = "0.00000000"
            return cell
        if kind == "timestamp":
            cell = WriteOnlyCell(ws, value=value.astimezone(UTC).replace(tzinfo=None))
            cell.number_format = "yyyy-mm-dd hh:mm:ss.000"
            return cell
        if isinstance(value, str):
            text = value
            # Control characters make Excel refuse the whole file; drop them from the cell.
            text = ILLEGAL_CHARACTERS_RE.sub("", text)
            if formula_like(kind, text) or text in ERROR_CODES:
                return _excel_text(ws, text, quote_prefix=formula_like(kind, text))
            return text
        return value

    count = 0
    try:
        for batch in batches:
            if count + len(batch) > EXCEL_MAX_ROWS:
                raise InvalidInput(
                    f"An Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows and this export has "
                    "more: narrow the filters or choose CSV or Parquet."
                )
            values = [column.to_pylist() for column in batch.columns]
            for row in zip(*values, strict=True):
                ws.append([cell_of(k, v) for k, v in zip(kinds, row, strict=True)])
            count += len(batch)
    except BaseException:
        # The sheet streams to a temporary file: close it and remove it, or it stays until exit.
        with contextlib.suppress(Exception):
            ws.close()
            ws._writer.cleanup()
        raise
    wb.save(out)
    return count


WRITERS: dict[str, Callable[[BinaryIO, Sequence[Column], Batches], int]] = {
    "csv": write_csv,
    "parquet": write_parquet,
    "xlsx": write_xlsx,
    "jsonl": write_jsonl,
}
MIME_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jsonl": "application/jsonl",
}
FORMAT_LABELS = {"csv": "CSV", "parquet": "Parquet", "xlsx": "Excel", "jsonl": "JSON Lines"}


def now_stamp() -> str:
    """A UTC time for file names, e.g. 20240501-1234."""
    return datetime.now(UTC).strftime("%Y%m%d-%H%M")
