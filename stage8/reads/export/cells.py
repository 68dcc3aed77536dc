"""Column-at-a-time text of exported values, with pyarrow.compute: the CSV cells and JSON Lines
values of docs/export_schema.md, built for a whole record batch at once (no Python per value).

Every function takes a column in its export type (`formats.arrow_schema`) and returns a string
column: costs with exactly 8 places (`0.00000001`, never Arrow's `1E-8`), times as ISO 8601 with
microseconds and `+00:00`, booleans `True`/`False` (CSV) or `true`/`false` (JSON). The CSV cells
are quoted as Python's csv module quotes (QUOTE_MINIMAL: only a value holding a comma, a double
quote or a line break), so files are the same bytes as the desk wrote before.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stage8.db.column_types import MONEY_SCALE

_SCALE = 10**MONEY_SCALE
_CSV_SPECIAL = b',"\r\n'
# JSON escapes every control character; the common ones are replaced column-wide, the rest
# (rare) value by value with the json module.
_JSON_COMMON = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_RARE_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def holds_any(values: pa.Array, chars: bytes) -> bool:
    """Whether any text of the column may contain one of these ASCII characters: one memchr per
    character over the column's bytes, far cheaper than a regular expression per value (a
    false positive, from bytes under a null, only sends the column down the exact path)."""
    if values.null_count == len(values):
        return False
    offsets = np.frombuffer(values.buffers()[1], dtype="<i4")
    data = values.buffers()[2]
    if data is None:
        return False
    text = data.to_pybytes()[offsets[values.offset] : offsets[values.offset + len(values)]]
    return any(bytes([c]) in text for c in chars)


def starts_with_any(values: pa.Array, chars: bytes) -> bool:
    """Whether any text of the column may begin with one of these ASCII characters (the first
    byte of every value, gathered with numpy; a false positive only means the exact path)."""
    if values.null_count == len(values) or values.buffers()[2] is None:
        return False
    offsets = np.frombuffer(values.buffers()[1], dtype="<i4")
    offsets = offsets[values.offset : values.offset + len(values) + 1]
    starts = offsets[:-1][offsets[1:] > offsets[:-1]]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)
    return bool(np.isin(data[starts], np.frombuffer(chars, dtype=np.uint8)).any())


def decimal_text(values: pa.Array) -> pa.Array:
    """decimal128(18, 8) as `-12.34500000`: exact, 8 places, never an exponent."""
    # Every cost fits 18 digits, so the low 64 bits of the 128-bit value are the exact
    # unscaled integer (little-endian two's complement).
    words = np.frombuffer(values.buffers()[1], dtype="<i8")
    units = words[2 * values.offset : 2 * (values.offset + len(values)) : 2]
    whole, frac = np.divmod(np.abs(units), _SCALE)
    text = pc.binary_join_element_wise(
        pa.array(whole).cast(pa.string()),
        pc.utf8_lpad(pa.array(frac).cast(pa.string()), MONEY_SCALE, "0"),
        ".",
    )
    text = pc.if_else(pa.array(units < 0), pc.binary_join_element_wise("-", text, ""), text)
    return pc.if_else(values.is_valid(), text, pa.scalar(None, pa.string()))


def timestamp_text(values: pa.Array) -> pa.Array:
    """timestamp[us, UTC] as `2024-05-31T18:04:05.123456+00:00` (Python's isoformat)."""
    # Arrow writes a naive timestamp as `2024-05-31 18:04:05.123456` many times faster than it
    # formats one with a time zone (strftime or cast): drop the label, then fix the separator.
    naive = values.cast(pa.timestamp("us")).cast(pa.string())
    return pc.binary_join_element_wise(pc.utf8_replace_slice(naive, 10, 11, "T"), "+00:00", "")


def bool_text(values: pa.Array, true: str, false: str) -> pa.Array:
    return pc.if_else(values, true, false)


def csv_quoted(values: pa.Array) -> pa.Array:
    """Text as a CSV field: quoted (inner quotes doubled) only when it holds , " or a line break."""
    # A plain substring search for each character the column holds at all (most hold none, a
    # prompt usually only commas) is several times cheaper than one regular expression.
    present = [chr(c) for c in _CSV_SPECIAL if holds_any(values, bytes([c]))]
    if not present:
        return values
    needs = functools.reduce(pc.or_, [pc.match_substring(values, c) for c in present])
    quoted = pc.replace_substring(values, '"', '""') if '"' in present else values
    quoted = pc.binary_join_element_wise('"', quoted, '"', "")
    return pc.if_else(needs, quoted, values)


def json_string(values: pa.Array) -> pa.Array:
    """Text as a JSON string literal, as json.dumps(ensure_ascii=False) writes it."""
    escaped = values
    for plain, escape in _JSON_COMMON[:2]:
        if holds_any(values, plain.encode()):
            escaped = pc.replace_substring(escaped, plain, escape)
    if holds_any(values, bytes(range(32))):
        for plain, escape in _JSON_COMMON[2:]:
            escaped = pc.replace_substring(escaped, plain, escape)
        rare = pc.fill_null(pc.match_substring_regex(values, _RARE_CONTROL), False)
        if _any(rare):
            odd = pc.filter(values, rare).to_pylist()
            inner = pa.array([json.dumps(v, ensure_ascii=False)[1:-1] for v in odd])
            escaped = pc.replace_with_mask(escaped, rare, inner)
    return pc.binary_join_element_wise('"', escaped, '"', "")
