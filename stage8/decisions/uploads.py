"""Manual uploads: a reviewer's own images become `uploaded` attempts of a scene asset instance.

Files are judged by their bytes (`stage8.images.pipeline.process`), never by name or declared type.
The objects of the accepted files are written first under content-addressed keys (ids and hashes
only); then every row of the upload (attempts, selection, trash by the cap, decision events)
commits in one transaction, or none does and the objects nothing refers to are removed again.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from stage8.db.finders import get_instance
from stage8.db.models import Attempt, Image, Scene, SceneAssetInstance
from stage8.decisions import continuity, duplicates, ledger
from stage8.decisions.versions import check_version
from stage8.decisions.views import AttemptView, attempt_views
from stage8.desk import Desk
from stage8.errors import InvalidImage, InvalidInput, NotFound
from stage8.images.ingest import (
    StagedImage,
    image_limits,
    image_row,
    rows_or_rollback_objects,
    stage_image,
)
from stage8.images.pipeline import ProcessedImage, process
from stage8.reviewers.roles import Actor, authorise
from stage8.storage.keys import content_addressed_key

log = logging.getLogger(__name__)

Choice = Literal["last", "none"] | int
MAX_NAME = 255
_UNNAMED = "unnamed file"
# Invisible characters that reorder or hide text ("photo\u202egnp.exe" shows as "photoexe.png").
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068")
_BIDI_CONTROLS |= frozenset("\u2069\ufeff")
# Above any real cap: this upload's own attempts are counted once, in the pass at the end.
_NO_CAP = 2**31


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: `stored` (a new attempt), `reused` or `rejected`."""

    index: int
    filename: str  # as shown: see `display_filename`
    outcome: Literal["stored", "reused", "rejected"]
    message: str
    attempt: AttemptView | None = None
    restored: bool = False  # a reused attempt that came back from the trash

    @property
    def attempt_id(self) -> int | None:
        return self.attempt.id if self.attempt else None

    @property
    def attempt_number(self) -> int | None:
        return self.attempt.attempt_number if self.attempt else None


@dataclass(frozen=True)
class UploadReport:
    """Per-file results, the attempts the cap moved to the trash, and a summary for a person."""

    instance_id: int
    results: list[FileResult]
    evicted: list[AttemptView] = field(default_factory=list)
    selected_attempt_id: int | None = None
    message: str = ""
    version: int | None = None  # the instance's version after the upload

    def _with(self, outcome: str) -> list[FileResult]:
        return [r for r in self.results if r.outcome == outcome]

    @property
    def stored(self) -> list[FileResult]:
        return self._with("stored")

    @property
    def reused(self) -> list[FileResult]:
        return self._with("reused")

    @property
    def rejected(self) -> list[FileResult]:
        return self._with("rejected")


@dataclass(frozen=True)
class _Accepted:
    index: int
    name: str
    processed: ProcessedImage


def display_filename(name: str) -> str:
    """The name a reviewer sees for an uploaded file; it never reaches a storage key.

    Keeps the last path component only (`../../x.png` -> `x.png`, also for `\\`), drops control
    characters, lone surrogates and invisible direction overrides, keeps other Unicode (NFC),
    and shortens names over 255 characters with an ellipsis before the extension. Never empty.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(
        c for c in text if unicodedata.category(c) not in ("Cc", "Cs") and c not in _BIDI_CONTROLS
    )
    parts = [p.strip() for p in re.split(r"[/\\]", text)]
    parts = [p for p in parts if p not in ("", ".", "..")]
    text = parts[-1] if parts else _UNNAMED
    if len(text) <= MAX_NAME:
        return text
    stem, dot, ext = text.rpartition(".")
    suffix = f".{ext}" if dot and stem and len(ext) <= 16 else ""
    return text[: MAX_NAME - 1 - len(suffix)].rstrip() + "…" + suffix


def upload_images(
    desk: Desk,
    instance_id: int,
    files: list[tuple[str, bytes]],
    *,
    actor: Actor,
    select: Choice = "last",
    expected_version: int | None = None,
) -> UploadReport:
    """Add each acceptable (name, bytes) file as an `uploaded` attempt of the instance.

    Guarantees: a rejected file writes nothing (no object, no row) and its result names the
    file and the reason; the same image as one of the instance's attempts (same stored sha256)
    reuses that attempt, restoring it from the trash, instead of adding a copy; all rows commit
    in one transaction with the instance locked, cap eviction included, and if they fail the
    objects written for them are removed. `select`: "last" selects the last accepted file,
    an int the file at that position (nothing changes if it was rejected), "none" leaves the
    selection as it is (an instance with no selection still gets one: invariant 1). Selecting
    an upload turns "use master as-is" off. Raises NotFound for a missing instance or deleted
    scene and InvalidInput for more files than the attempt cap. `expected_version`: the
    instance version the reviewer saw; StaleVersion when it moved on (no row and no new object
    stays).
    """
    actor = authorise(actor, "upload")
    if not (select in ("last", "none") or (type(select) is int and 0 <= select < len(files))):
        raise ValueError(f"select must be 'last', 'none' or a file index, got {select!r}")
    cap = desk.settings.attempt_cap
    if len(files) > cap:
        raise InvalidInput(
            f"Upload at most {cap} files at a time (the attempt cap), not {len(files)}."
        )
    with desk.read() as session:
        instance = get_instance(session, instance_id)
        project_id = _live_project_id(session, instance)
        # When nothing is accepted:
        outcome = _Outcome({}, [], instance.selected_attempt_id, instance.version)
    limits = image_limits(desk)
    results: dict[int, FileResult] = {}
    accepted: list[_Accepted] = []
    for index, (raw_name, data) in enumerate(files):
        name = display_filename(raw_name)
        try:
            accepted.append(_Accepted(index, name, process(data, limits)))
        except InvalidImage as exc:
            message = f"“{name}” was not uploaded: {exc}."
            results[index] = FileResult(index, name, "rejected", message)
    fresh: list[StagedImage] = []
    if accepted:
        with rows_or_rollback_objects(desk, fresh):
            staged = [_stage_new(desk, project_id, item.processed, fresh) for item in accepted]
            with desk.tx() as session:
                chosen = _chosen(select, accepted)
                outcome = _write_rows(
                    desk, session, instance_id, accepted, staged, chosen, actor, expected_version
                )
        _score_continuity(desk, instance_id)
        _flag_look_alikes(desk, instance_id, outcome.results)
    results.update(outcome.results)
    ordered = [results[i] for i in range(len(files))]
    message = _summary(ordered, outcome, select)
    return UploadReport(
        instance_id, ordered, outcome.evicted, outcome.selected_id, message, outcome.version
    )


def _score_continuity(desk: Desk, instance_id: int) -> None:
    """Score the new attempts against the reference now (a few ms each); a failure only
    leaves them for the worker, never fails the upload."""
    try:
        continuity.update_instances(desk, [instance_id])
    except Exception:
        log.exception("continuity of instance %s left to the worker", instance_id)


def _flag_look_alikes(desk: Desk, instance_id: int, results: dict[int, FileResult]) -> None:
    """Say "looks the same as #n" in the result of each new file that nearly duplicates an
    older attempt (stage8.decisions.duplicates); best effort, like continuity."""
    stored = {r.attempt.id: i for i, r in results.items() if r.outcome == "stored" and r.attempt}
    try:
        same = duplicates.flag_near_duplicates(desk, instance_id, stored)
    except Exception:  # a flag is a hint: never fail an upload for it
        log.exception("near-duplicate check of instance %s failed", instance_id)
        return
    for attempt_id, number in same.items():
        r = results[stored[attempt_id]]
        results[stored[attempt_id]] = replace(
            r, message=f"{r.message} It looks the same as attempt #{number}."
        )


def _live_project_id(session: Session, instance: SceneAssetInstance) -> int:
    scene = session.get(Scene, instance.scene_id)
    if scene.deleted_at is not None:
        raise NotFound(f"Scene {scene.scene_number} was deleted: restore it to upload images.")
    return scene.project_id


def _chosen(select: Choice, accepted: list[_Accepted]) -> int | None:
    if select == "none" or not accepted:
        return None
    index = accepted[-1].index if select == "last" else select
    return index if any(a.index == index for a in accepted) else None


def _stage_new(
    desk: Desk, project_id: int, processed: ProcessedImage, fresh: list[StagedImage]
) -> StagedImage:
    # Only objects this upload wrote may be removed on failure: one that was already there may
    # belong to a row, or to another upload of the same bytes that is about to commit.
    key = content_addressed_key(project_id, processed.sha256, processed.ext)
    existed = desk.store.exists(key)
    staged = stage_image(desk, project_id, processed)
    if not existed:
        fresh.append(staged)
    return staged


@dataclass
class _Outcome:
    results: dict[int, FileResult]
    evicted: list[AttemptView]
    selected_id: int | None
    version: int


def _write_rows(
    desk: Desk,
    session: Session,
    instance_id: int,
    accepted: list[_Accepted],
    staged: list[StagedImage],
    chosen: int | None,
    actor: Actor,
    expected_version: int | None,
) -> _Outcome:
    instance = get_instance(session, instance_id, for_update=True)
    check_version(session, instance_id, expected_version)
    _live_project_id(session, instance)  # the scene may have been deleted since the check
    by_sha = _attempts_by_sha(session, instance_id)
    done: dict[int, tuple[Attempt, bool, bool]] = {}  # index -> (attempt, reused, restored)
    for item, stage in zip(accepted, staged, strict=True):
        p = item.processed
        existing = by_sha.get(p.sha256)
        if existing is not None:
            restored = existing.trashed_at is not None
            if restored:
                why = "the same image was uploaded again"
                ledger.restore(session, instance, [existing], actor=actor, reason=why)
            done[item.index] = (existing, True, restored)
            continue
        attempt, _ = ledger.new_attempt(
            session,
            instance,
            source="uploaded",
            image_id=image_row(session, stage).id,
            actor=actor,
            select_it=item.index == chosen,
            cap=_NO_CAP,
            event_kind="upload",
            original_filename=item.name,
            original_byte_size=p.original_bytes,
            original_format=p.original_format,
            original_width=p.original_width,
            original_height=p.original_height,
            file_size=len(p.data),
            mime_type=p.mime_type,
            extra={"stored_format": p.ext.upper().replace("JPG", "JPEG")},
        )
        by_sha[p.sha256] = attempt
        done[item.index] = (attempt, False, False)
    if chosen is not None and instance.selected_attempt_id != done[chosen][0].id:
        why = "chosen when uploading the same image again"
        ledger.select(session, instance, done[chosen][0], actor=actor, reason=why)
    session.flush()
    evicted = ledger.evict_over_cap(
        session,
        instance,
        cap=desk.settings.attempt_cap,
        actor=actor,
        keep={a.id for a, _, _ in done.values()},
    )
    session.flush()
    ids = [a.id for a, _, _ in done.values()] + [e.id for e in evicted]
    views = {v.id: v for v in attempt_views(session, [instance_id], attempt_ids=ids)}
    results = {}
    for item in accepted:
        attempt, reused, restored = done[item.index]
        results[item.index] = _result(item, views[attempt.id], reused, restored)
    return _Outcome(
        results, [views[e.id] for e in evicted], instance.selected_attempt_id, instance.version
    )


def _attempts_by_sha(session: Session, instance_id: int) -> dict[str, Attempt]:
    rows = session.execute(
        sa.select(Attempt, Image.sha256)
        .join(Image, Image.id == Attempt.image_id)
        .where(Attempt.instance_id == instance_id)
        # A live attempt is preferred to a trashed one with the same image, then the oldest.
        .order_by(Attempt.trashed_at.is_not(None), Attempt.attempt_number)
    )
    found: dict[str, Attempt] = {}
    for attempt, sha in rows:
        found.setdefault(sha, attempt)
    return found


def _result(item: _Accepted, view: AttemptView, reused: bool, restored: bool) -> FileResult:
    n = view.attempt_number
    if reused:
        what = "was in the trash and is restored" if restored else "is reused (no copy made)"
        message = f"“{item.name}” is the same image as attempt #{n}, which {what}."
        return FileResult(item.index, item.name, "reused", message, view, restored)
    p = item.processed
    before = f"{p.original_width} × {p.original_height} {p.original_format}"
    after = f"{view.width} × {view.height} {view.extra.get('stored_format', view.mime_type)}"
    message = f"“{item.name}” stored as attempt #{n} ({before} → {after})."
    return FileResult(item.index, item.name, "stored", message, view)


def _summary(results: list[FileResult], outcome: _Outcome, select: Choice) -> str:
    labels = {"stored": "stored", "reused": "already here", "rejected": "rejected"}
    counts = {label: sum(r.outcome == kind for r in results) for kind, label in labels.items()}
    parts = [f"{n} {label}" for label, n in counts.items() if n]
    text = f"{len(results)} file{'s' if len(results) != 1 else ''}: {', '.join(parts)}."
    selected = next((r for r in results if r.attempt and r.attempt.selected), None)
    if type(select) is int and results[select].outcome == "rejected":
        name = results[select].filename
        text += f" “{name}” was to be selected but was not uploaded; the selection is unchanged."
    elif selected is not None and select != "none":
        text += f" Attempt #{selected.attempt_number} is selected."
    if outcome.evicted:
        text += " " + ledger.eviction_message(outcome.evicted)
    return text
