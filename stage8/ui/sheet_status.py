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


def cell_marks(panel: AssetPanel, attempt: AttemptView, drift_below: int) -> list[str]:
    """The marks under a strip thumbnail, as HTML spans of the desk's own numbers and words
    (styled by `sheet_css.ROW_CSS`): the continuity score against the reference ("37 drift",
    red, under the threshold; none until scored), the rating ("★4") and "≈#n" when the attempt
    was flagged on arrival as looking the same as attempt #n (its button's help says it in
    words)."""
    marks = []
    score = panel.continuity.get(attempt.id)
    if score is not None:
        drift = score < drift_below
        marks.append(
            f'<span class="s8-drift">{int(score)} drift</span>'
            if drift
            else f'<span class="s8-score">{int(score)}</span>'
        )
    rating = panel.ratings.get(attempt.id)
    if rating:
        marks.append(f'<span class="s8-stars">★{int(rating)}</span>')
    number = flagged_same_as(attempt.extra)
    if number is not None:
        marks.append(f'<span class="s8-same">≈#{int(number)}</span>')
    return marks
