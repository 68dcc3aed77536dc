"""What the compare view shows: the shown attempt, the selected attempt and the effective
reference side by side, each attempt's continuity score against that reference, and what
differs between the two attempts' metadata.

`comparison` is a pure function of the scene page's read model (no queries): the compare view
opens from a row that already holds its panel, scores included. `pair_similarity` scores the
two images of the slider from their stored thumbnails (image work: the page caches it by pair).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

from stage8.decisions import continuity
from stage8.decisions.references import ReferenceState
from stage8.decisions.views import AttemptView
from stage8.desk import Desk
from stage8.errors import NotFound
from stage8.images.similarity import Similarity, compare
from stage8.reads.board import AssetPanel

_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class CompareImage:
    """One of the three images: what it is, and the stored keys the page shows."""

    role: str  # "shown", "selected" or "reference"
    title: str  # e.g. "Shown: attempt #3", "Reference: Scene 2"
    image_key: str | None
    thumb_key: str | None
    attempt: AttemptView | None = None
    image_id: int | None = None
    # Continuity against the effective reference (None: the reference itself, an as-is copy
    # of it, or not scored yet).
    continuity: int | None = None

    def drifts(self, drift_below: int) -> bool:
        """Flagged "drift": scored below STAGE8_DRIFT_BELOW."""
        return self.continuity is not None and self.continuity < drift_below


@dataclass(frozen=True)
class FieldDiff:
    label: str
    shown: str
    selected: str

    @property
    def same(self) -> bool:
        return self.shown == self.selected


@dataclass(frozen=True)
class WordChange:
    kind: str  # "same", "removed" (only in the selected attempt's prompt) or "added" (only shown)
    text: str


@dataclass(frozen=True)
class Comparison:
    asset_name: str
    images: list[CompareImage]  # shown, selected (when there is one), reference (when any)
    fields: list[FieldDiff]  # empty when the shown attempt is the selected one or none is
    prompt_changes: list[WordChange]  # selected prompt -> shown prompt, word by word

    def image(self, role: str) -> CompareImage | None:
        return next((i for i in self.images if i.role == role), None)


def word_diff(before: str | None, after: str | None) -> list[WordChange]:
    """`before` -> `after` word by word: runs of kept, removed and added words, in order."""
    old, new = _TOKEN.findall(before or ""), _TOKEN.findall(after or "")
    changes: list[WordChange] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(WordChange("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            changes.append(WordChange("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            changes.append(WordChange("added", " ".join(new[j1:j2])))
    return changes


def _cost(value: Decimal | None) -> str:
    return "—" if value is None else f"${value.normalize():f}"


def _reference_label(image_id: int | None, reference: ReferenceState | None) -> str:
    """Where the image an attempt was made against sits in today's chain, in words."""
    if image_id is None:
        return "none"
    entries = [e for e in (reference.chain if reference else []) if e.image_id == image_id]
    if not entries:
        return f"image {image_id} (no longer in the chain)"
    label = " = ".join(e.label for e in entries)
    if reference is not None and reference.effective_image_id == image_id:
        return f"{label} (the effective reference)"
    return label


def _fields(shown: AttemptView, selected: AttemptView, ref: ReferenceState | None) -> list:
    def describe(a: AttemptView) -> dict[str, str]:
        return {
            "Attempt": f"#{a.attempt_number} ({a.source_label})",
            "Provider / model": f"{a.provider or '—'} / {a.model or '—'}",
            "Cost": _cost(a.cost_usd),
            "Reference used": _reference_label(a.reference_image_id, ref),
            "Size": f"{a.width}×{a.height}, {a.file_size / 1024:.0f} KB",
            "Created": a.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        }

    left, right = describe(shown), describe(selected)
    return [FieldDiff(label, left[label], right[label]) for label in left]


def comparison(panel: AssetPanel, shown_attempt_id: int) -> Comparison:
    """The compare view of one asset for the attempt the reviewer is looking at.

    NotFound when that attempt is no longer a live attempt of the asset (trashed or purged
    since the page was drawn)."""
    shown = next((a for a in panel.attempts if a.id == shown_attempt_id), None)
    if shown is None:
        raise NotFound(
            f"That attempt of {panel.asset_name} is no longer live (moved to the trash or "
            "purged); show another attempt and compare again."
        )
    selected = panel.selected
    images = [
        CompareImage(
            "shown",
            f"Shown: attempt #{shown.attempt_number}",
            shown.image_key,
            shown.thumb_key,
            shown,
            shown.image_id,
            panel.continuity.get(shown.id),
        )
    ]
    if selected is not None:
        title = f"Selected: attempt #{selected.attempt_number}"
        if selected.id == shown.id:
            title += " (the one shown)"
        images.append(
            CompareImage(
                "selected",
                title,
                selected.image_key,
                selected.thumb_key,
                selected,
                selected.image_id,
                panel.continuity.get(selected.id),
            )
        )
    ref = panel.reference
    if ref is not None and ref.effective_key:
        index = ref.effective_index
        where = ref.chain[index].label if index is not None else "in use"
        images.append(
            CompareImage(
                "reference",
                f"Reference: {where}",
                ref.effective_key,
                ref.effective_thumb_key,
                image_id=ref.effective_image_id,
            )
        )
    differs = selected is not None and selected.id != shown.id
    return Comparison(
        asset_name=panel.asset_name,
        images=images,
        fields=_fields(shown, selected, ref) if differs else [],
        prompt_changes=word_diff(selected.prompt, shown.prompt) if differs else [],
    )


def pair_similarity(desk: Desk, image_id: int, other_id: int) -> Similarity | None:
    """How alike two stored images look (stage8.images.similarity), from the same 160 px
    renditions continuity is scored on; None when either object cannot be read."""
    prints = continuity.fingerprints(desk, {image_id, other_id})
    if image_id not in prints or other_id not in prints:
        return None
    return compare(prints[image_id], prints[other_id])
