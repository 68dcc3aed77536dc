"""What a contact-sheet row says about its asset: status chips and whether it needs attention.

Plain functions of the board's `AssetPanel`, so the sheet, its tests and the keyboard layer's
"next that needs attention" agree on one meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from stage8.decisions.duplicates import flagged_same_as
from stage8.decisions.views import AttemptView
from stage8.reads.board import AssetPanel


@dataclass(frozen=True)
class Chip:
    label: str  # the desk's own words, never data
    colour: str  # a Streamlit badge colour
    needs_attention: bool


def new_attempts(panel: AssetPanel) -> int:
    return sum(1 for a in panel.attempts if a.extra.get("new_unreviewed") and not a.selected)


def chips(panel: AssetPanel, drift_below: int | None = None) -> list[Chip]:
    """The row's status chips, in a fixed order (`drift_below`: STAGE8_DRIFT_BELOW, to flag a
    selected image whose continuity score is under it)."""
    out: list[Chip] = []
    if panel.use_master_as_is:
        out.append(Chip("as-is", "blue", False))
    elif panel.selected is not None:
        out.append(Chip("decided", "green", False))
    else:
        out.append(Chip("undecided", "orange", True))
    if panel.reference is not None and panel.reference.stale:
        out.append(Chip("stale reference", "red", True))
    fresh = new_attempts(panel)
    if fresh:
        out.append(Chip(f"{fresh} new", "violet", True))
    score = panel.continuity.get(panel.selected.id) if panel.selected is not None else None
    if score is not None and drift_below is not None and score < drift_below:
        out.append(Chip("selected drifts", "red", False))
    if panel.pending_jobs:
        out.append(Chip(f"generating {panel.pending_jobs}", "gray", False))
    elif panel.failed_job_error:
        out.append(Chip("generation failed", "red", True))
    return out


def needs_attention(panel: AssetPanel) -> bool:
    """Undecided, stale reference, unreviewed new attempts or a failed generation."""
    return any(c.needs_attention for c in chips(panel))


def score_badge(panel: AssetPanel, attempt_id: int, drift_below: int) -> str | None:
    """The attempt's continuity badge (Markdown of the desk's own words and numbers): its score
    against the reference, red and marked "drift" under the threshold; None when not scored."""
    score = panel.continuity.get(attempt_id)
    if score is None:
        return None
    if score < drift_below:
        return f":red-badge[{score} drift]"
    return f":gray-badge[{score}]"


def stars(panel: AssetPanel, attempt_id: int) -> str:
    n = panel.ratings.get(attempt_id)
    return f"★{n}" if n else ""


def same_as_mark(attempt: AttemptView) -> str | None:
    """The mark of an attempt flagged on arrival as looking the same as attempt #n
    (stage8.decisions.duplicates): "≈#n" in plain coloured text, so it fits beside a score
    badge in a strip cell (the thumbnail's help says it in words)."""
    number = flagged_same_as(attempt.extra)
    return None if number is None else f":orange[≈#{number}]"
