"""How values are written out: money in US dollars and sizes in bytes for people; dates and
exact decimals for JSON (ISO 8601 text and decimal strings, never floats).

Shared by pages and the command line, so a cost, a size or a `--json` row reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any


def json_value(value: Any) -> Any:
    """A datetime as ISO 8601 text, a Decimal as its exact digits, anything else unchanged."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def dataclass_json(obj: Any) -> dict[str, Any]:
    """Every field of a dataclass instance, by name, through `json_value`."""
    return {f.name: json_value(getattr(obj, f.name)) for f in fields(obj)}


def format_usd(amount: Decimal) -> str:
    """ "$0.039", "$1.50", "$0.00": exact digits, at least two decimals, no trailing zeros."""
    text = f"{amount:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"${whole}.{frac}"


def format_bytes(size: int) -> str:
    """A size for people: "812 B", "4.3 KB", "1.2 MB" (powers of 1024)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # unreachable
