"""The CSV and JSON Lines writers build their text a column at a time with pyarrow.compute; here
they are checked, on arbitrary values, against the standard library writing the same rows one by
one: Python's csv module (the quoting rules) and json module (the escapes), with the documented
renderings of costs, times and booleans, and the formula guard of docs/export_schema.md."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from stage8.reads.export.formats import Column, arrow_schema, write_csv, write_jsonl

COLUMNS = [
    Column("id", "id"),
    Column("name", "text"),
    Column("count", "int"),
    Column("flag", "bool"),
    Column("cost", "decimal"),
    Column("at", "timestamp"),
    Column("extra", "json"),
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # the documented rule, written out independently

text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("=+-@\t\r\n\",'\\")
)
costs = st.decimals(
    min_value=Decimal("-9999999999.99999999"),
    max_value=Decimal("9999999999.99999999"),
    places=8,
    allow_nan=False,
    allow_infinity=False,
)
moments = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
rows = st.lists(
    st.tuples(
        st.none() | st.integers(1, 2**62).map(str),
        st.none() | text,
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | st.booleans(),
        st.none() | costs,
        st.none() | moments,
        st.none() | text,
    ),
    max_size=40,
)


def batches(data: list[tuple], size: int) -> list[pa.RecordBatch]:
    schema = arrow_schema(COLUMNS)
    table = pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in data], schema)
    return table.to_batches(max_chunksize=size)


def plain(kind: str, value, *, booleans=("True", "False")):
    """The documented text of one value, from Python's own formatting."""
    if value is None:
        return None
    if kind == "decimal":
        return format(value.quantize(Decimal("0.00000001")), "f")
    if kind == "timestamp":
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if kind == "bool":
        return booleans[0] if value else booleans[1]
    return value


@settings(max_examples=100, deadline=None)
@given(rows, st.integers(1, 7))
def test_csv_is_what_the_csv_module_writes(data, size):
    out = io.BytesIO()
    assert write_csv(out, COLUMNS, batches(data, size)) == len(data)
    assert out.getvalue().decode("utf-8") == csv_module_text(data)


def test_a_column_holding_one_kind_of_special_character_is_quoted_as_the_csv_module_does():
    # The writer looks for each of , " CR LF only in a column that holds it somewhere.
    for special in (",", '"', "\r", "\n"):
        data = [
            ("1", f"a{special}b", 1, True, None, None, "plain"),
            ("2", "plain", 2, None, None, None, None),
            ("3", None, None, False, None, None, f"{special}{special}"),
        ]
        for size in (1, 2, 3):
            out = io.BytesIO()
            write_csv(out, COLUMNS, batches(data, size))
            assert out.getvalue().decode("utf-8") == csv_module_text(data), (special, size)


def csv_module_text(data: list[tuple]) -> str:
    """The rows as Python's csv module writes them, with the documented renderings."""
    want = io.StringIO(newline="")
    writer = csv.writer(want)
    writer.writerow([c.name for c in COLUMNS])
    for row in data:
        cells = []
        for c, value in zip(COLUMNS, row, strict=True):
            cell = plain(c.kind, value)
            if c.kind in ("text", "json") and cell is not None and cell.startswith(TRIGGERS):
                cell = "'" + cell
            cells.append(cell)
        writer.writerow(cells)
    return want.getvalue()


@settings(max_examples=100, deadline=None)
@given(rows, st.integers(1, 7))
def test_json_lines_are_what_the_json_module_writes(data, size):
    out = io.BytesIO()
    assert write_jsonl(out, COLUMNS, batches(data, size)) == len(data)
    want = ""
    for row in data:
        record = {c.name: plain(c.kind, v) for c, v in zip(COLUMNS, row, strict=True)}
        record["flag"] = row[3]  # a JSON boolean
        want += json.dumps(record, ensure_ascii=False) + "\n"
    assert out.getvalue().decode("utf-8") == want


def test_costs_never_use_an_exponent_and_times_keep_microseconds():
    data = [
        ("1", None, None, None, Decimal(0), datetime(2024, 5, 31, 18, 4, 5, 0, UTC), None),
        ("2", None, None, None, Decimal("0.00000001"), datetime(2024, 1, 1, tzinfo=UTC), None),
        ("3", None, None, None, Decimal("-0.5"), datetime(2024, 1, 1, tzinfo=UTC), None),
    ]
    out = io.BytesIO()
    write_csv(out, COLUMNS, batches(data, 2))
    lines = out.getvalue().decode().split("\r\n")
    assert lines[1] == "1,,,,0.00000000,2024-05-31T18:04:05.000000+00:00,"
    assert lines[2].split(",")[4] == "0.00000001" and lines[3].split(",")[4] == "-0.50000000"
    assert lines[3].split(",")[5] == (datetime(2024, 1, 1, tzinfo=UTC) + timedelta()).isoformat(
        timespec="microseconds"
    )
