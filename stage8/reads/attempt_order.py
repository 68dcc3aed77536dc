"""The order a panel's attempts are shown in: by attempt number (the read model's own order,
oldest first) or by continuity against the effective reference (best first, unscored last).

A pure function of the loaded panel (its `continuity` scores are already there): reordering
costs no query, so the sheet's strips and the full panel's carousel can follow the reviewer's
choice on every rerun.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from stage8.reads.board import AssetPanel

Order = Literal["number", "continuity"]
ORDERS: dict[str, str] = {"number": "Attempt #", "continuity": "Continuity"}
DEFAULT_ORDER: Order = "number"


def arrange(panel: AssetPanel, order: str | None) -> AssetPanel:
    """The panel with its attempts in `order` (anything unknown: by number). Ties in score
    keep attempt-number order, so the order is stable across reruns."""
    if order != "continuity":
        return panel
    scores = panel.continuity
    ranked = sorted(
        panel.attempts,
        key=lambda a: (a.id not in scores, -scores.get(a.id, 0), a.attempt_number),
    )
    return replace(panel, attempts=ranked)
