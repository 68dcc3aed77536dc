"""How exact amounts are written for people: money in US dollars and sizes in bytes.

Shared by pages and the command line, so a cost or a size reads the same everywhere.
"""

from __future__ import annotations

from decimal import Decimal


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
