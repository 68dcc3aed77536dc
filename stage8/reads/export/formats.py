"""Writers of exported tables: CSV, Parquet, Excel and JSON Lines, each streaming chunks of rows
into a binary file object (a file on disk, a BytesIO for a download, stdout).

A writer takes the table's columns and an iterator of chunks (lists of row tuples in column
order, values as the database returns them) and holds one chunk at a time, so memory does not
grow with the row count. Every writer returns the number of data rows written.

The schema is the same in every format (docs/export_schema.md): ids are strings, times are UTC,
costs are exact decimals with 8 places, JSON values are JSON text. Where a format cannot hold a
value exactly, the writer says how below; it never rounds silently.

Formats a spreadsheet opens (CSV, Excel) never carry a formula: a text cell that a spreadsheet
would read as one (`formula_like`) is prefixed with `'` in CSV and written as a text cell with
Excel's quote-prefix flag in Excel. Parquet and JSON Lines keep the exact text.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from stage8.db.column_types import MONEY_SCALE
from stage8.errors import InvalidInput

KINDS = ("id", "text", "int", "bool", "decimal", "timestamp", "json")
EXCEL_MAX_ROWS = 1_048_575  # a sheet has 1,048,576 rows; one is the header
_PLACES = Decimal(1).scaleb(-MONEY_SCALE)


@dataclass(frozen=True)
class Column:
    """One exported column: its name and kind (one of KINDS, see docs/export_schema.md)."""

    name: str
    kind: str


Chunks = Iterable[Sequence[Sequence[Any]]]


def _json_text(value: Any) -> str:
    # The tables select JSON columns as their stored text; a parsed value is serialised.
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# Conversions to the text formats' values (CSV and JSON Lines); other kinds pass unchanged.
_TEXT_OF: dict[str, Callable[[Any], Any]] = {
    "id": str,
    "bool": bool,  # SQLite returns computed booleans as 0/1
    "decimal": lambda v: format(Decimal(v).quantize(_PLACES), "f"),  # never "1E-8"
    "timestamp": lambda v: v.astimezone(UTC).isoformat(timespec="microseconds"),
    "json": _json_text,
}


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


def spreadsheet_text(value: Any) -> Any:
    """A text value as a CSV cell that spreadsheets show as text: formula-like text gets a
    leading apostrophe, the spreadsheet's own "this is text" mark; anything else unchanged."""
    return "'" + value if formula_like("text", value) else value


def converter(
    columns: Sequence[Column], *, spreadsheet: bool = False
) -> Callable[[Sequence[Any]], list[Any]]:
    """Turn a database row into export-ready values (None stays None). With `spreadsheet`,
    formula-like text cells are prefixed with `'` (the CSV rule; see `formula_like`)."""
    # Only the columns that need it are touched: this runs once per row of a million-row export.
    special = [(i, _TEXT_OF[c.kind]) for i, c in enumerate(columns) if c.kind in _TEXT_OF]
    if spreadsheet:  # after the kind's own conversion: JSON is guarded as the text it becomes
        special += [(i, spreadsheet_text) for i, c in enumerate(columns) if c.kind in TEXT_KINDS]

    def convert(row: Sequence[Any]) -> list[Any]:
        out = list(row)
        for i, f in special:
            value = out[i]
            if value is not None:
                out[i] = f(value)
        return out

    return convert


def write_csv(out: BinaryIO, columns: Sequence[Column], chunks: Chunks) -> int:
    """RFC 4180 CSV in UTF-8 (no byte-order mark), a header row, empty cell for null,
    booleans as True/False; a formula-like text cell is prefixed with `'`."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    convert = converter(columns, spreadsheet=True)
    count = 0
    try:
        writer = csv.writer(text)
        writer.writerow([c.name for c in columns])
        for chunk in chunks:
            writer.writerows(convert(row) for row in chunk)
            count += len(chunk)
        text.flush()
    finally:
        text.detach()  # leave the caller's file open
    return count


def write_jsonl(out: BinaryIO, columns: Sequence[Column], chunks: Chunks) -> int:
    """One JSON object per line (UTF-8, every column present, null for missing values).

    Costs and times are JSON strings, as in the CSV: a JSON number would be read as a float.
    """
    names = [c.name for c in columns]
    convert = converter(columns)
    encoder = json.JSONEncoder(ensure_ascii=False)
    count = 0
    for chunk in chunks:
        lines = [encoder.encode(dict(zip(names, convert(row), strict=True))) for row in chunk]
        if lines:
            out.write(("\n".join(lines) + "\n").encode("utf-8"))
        count += len(chunk)
    return count


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
    """The explicit Parquet schema: the same types whatever the data (even zero rows)."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.kind], nullable=True) for c in columns])


def _arrow_values(kind: str, values: Sequence[Any]) -> Sequence[Any]:
    if kind == "id":
        return [None if v is None else str(v) for v in values]
    if kind == "bool":
        return [None if v is None else bool(v) for v in values]
    if kind == "json":
        return [None if v is None else _json_text(v) for v in values]
    return values


def write_parquet(out: BinaryIO, columns: Sequence[Column], chunks: Chunks) -> int:
    """Parquet (zstd) with the schema of `arrow_schema`: decimal128(18, 8) costs, microsecond
    UTC timestamps; one row group per chunk."""
    schema = arrow_schema(columns)
    count = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for chunk in chunks:
            if not chunk:
                continue
            by_column = list(zip(*chunk, strict=True))
            arrays = [
                pa.array(_arrow_values(c.kind, values), type=field.type)
                for c, field, values in zip(columns, schema, by_column, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            count += len(chunk)
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


def write_xlsx(out: BinaryIO, columns: Sequence[Column], chunks: Chunks) -> int:
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
    convert = converter(columns)
    kinds = [c.kind for c in columns]

    def cell_of(kind: str, raw: Any, text: Any) -> Any:
        if raw is None:
            return None
        if kind == "decimal":
            cell = WriteOnlyCell(ws, value=_excel_cost(Decimal(raw)))
            cell.number_format = "0.00000000"
            return cell
        if kind == "timestamp":
            cell = WriteOnlyCell(ws, value=raw.astimezone(UTC).replace(tzinfo=None))
            cell.number_format = "yyyy-mm-dd hh:mm:ss.000"
            return cell
        if isinstance(text, str):
            # Control characters make Excel refuse the whole file; drop them from the cell.
            text = ILLEGAL_CHARACTERS_RE.sub("", text)
            if formula_like(kind, text) or text in ERROR_CODES:
                return _excel_text(ws, text, quote_prefix=formula_like(kind, text))
        return text

    count = 0
    try:
        for chunk in chunks:
            if count + len(chunk) > EXCEL_MAX_ROWS:
                raise InvalidInput(
                    f"An Excel sheet holds at most {EXCEL_MAX_ROWS:,} rows and this export has "
                    "more: narrow the filters or choose CSV or Parquet."
                )
            for row in chunk:
                texts = convert(row)
                ws.append([cell_of(k, r, t) for k, r, t in zip(kinds, row, texts, strict=True)])
            count += len(chunk)
    except BaseException:
        # The sheet streams to a temporary file: close it and remove it, or it stays until exit.
        with contextlib.suppress(Exception):
            ws.close()
            ws._writer.cleanup()
        raise
    wb.save(out)
    return count


WRITERS: dict[str, Callable[[BinaryIO, Sequence[Column], Chunks], int]] = {
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
