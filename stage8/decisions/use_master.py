"""Use the master (or an earlier scene's image) as-is: select a master_copy of the reference.

Rule owned here: turning as-is on fixes the reference the reviewer accepted and selects a master
copy of it (reusing one, restoring it from the trash if need be, never copying bytes); invariant 3
itself is kept by the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.finders import find_project, find_scene, get_instance
from stage8.db.models import Attempt, ProjectAsset, SceneAssetInstance
from stage8.decisions import ledger
from stage8.decisions.reasons import give_reason
from stage8.decisions.references import effective_reference
from stage8.decisions.versions import StaleVersion, check_version
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound, Stage8Error
from stage8.reviewers.roles import Actor, actor_name, authorise


@dataclass(frozen=True)
class AsIsResult:
    instance_id: int
    outcome: str  # "applied", "already", "turned_off", "skipped"
    message: str
    attempt_id: int | None = None
    version: int | None = None  # the instance's version now (None when it could not be read)
    stale: bool = False  # skipped because the asset changed since the version that was sent
    evicted: tuple[int, ...] = ()  # ids of attempts the cap moved to the trash (copy added)


def set_use_master_as_is(
    desk: Desk,
    instance_id: int,
    on: bool,
    *,
    actor: Actor,
    reason: str | None = None,
    reason_code: str | None = None,
    expected_version: int | None = None,
) -> AsIsResult:
    """Turn "use master as-is" on (select a master_copy of the effective reference, reusing an
    existing one, never copying bytes) or off (keep the current image), in one transaction.

    `expected_version`: the instance version the reviewer saw; StaleVersion when it moved on."""
    actor = authorise(actor, "use_master_as_is")
    with desk.tx() as session:
        instance = get_instance(session, instance_id, for_update=True)
        check_version(session, instance_id, expected_version)
        if not on:
            give_reason(session, desk, instance_id, reason_code)
        result = _turn(session, desk, instance, on, actor=actor, reason=reason)
        session.flush()
        return replace(result, version=instance.version)


def _turn(
    session: Session,
    desk: Desk,
    instance: SceneAssetInstance,
    on: bool,
    *,
    actor: Actor,
    reason: str | None,
) -> AsIsResult:
    if on:
        return apply_as_is(session, desk, instance, actor=actor, reason=reason)
    if not instance.use_master_as_is:
        return AsIsResult(instance.id, "already", "Use master as-is was already off.")
    before = ledger.decision_state(instance)
    instance.use_master_as_is = False
    ledger.record(
        session,
        instance,
        "use_master_off",
        actor=actor,
        before=before,
        after=ledger.decision_state(instance),
        reason=reason,
    )
    return AsIsResult(instance.id, "turned_off", "Use master as-is turned off.")


def apply_as_is(
    session: Session,
    desk: Desk,
    instance: SceneAssetInstance,
    *,
    actor: Actor,
    reason: str | None = None,
) -> AsIsResult:
    """Inside the caller's transaction (instance row locked): select a master copy of the
    effective reference, reusing an existing one (restored from the trash, with its event, when
    it was there), and set the flag."""
    before = ledger.decision_state(instance)
    ref = effective_reference(session, instance.id)
    if ref is None:
        raise DecisionConflict(
            "There is no reference image to use as-is: give the asset a master image or "
            "select an image in an earlier scene."
        )
    copy = session.scalar(
        select(Attempt)
        .where(
            Attempt.instance_id == instance.id,
            Attempt.source == "master_copy",
            Attempt.image_id == ref.effective_image_id,
        )
        .order_by(Attempt.attempt_number)
        .limit(1)
    )
    if instance.use_master_as_is and copy and instance.selected_attempt_id == copy.id:
        return AsIsResult(instance.id, "already", "Already using the reference as-is.", copy.id)
    entry = ref.chain[ref.effective_index] if ref.effective_index is not None else None
    label = entry.label if entry is not None else "the chosen reference"
    if instance.reference_image_id is None and entry is not None:
        # Fix the reference the reviewer accepted as-is: a later change in an earlier scene
        # then shows up as a stale reference instead of silently changing this scene's image.
        instance.reference_image_id = entry.image_id
        instance.reference_scene_id = entry.scene_id if entry.source == "scene" else None
        instance.reference_chosen_at = utcnow()
        instance.reference_chosen_by = actor_name(actor)
    evicted: list[Attempt] = []
    if copy is None:
        copy, evicted = ledger.new_attempt(
            session,
            instance,
            source="master_copy",
            image_id=ref.effective_image_id,
            actor=actor,
            select_it=True,
            cap=desk.settings.attempt_cap,
            event_kind="add_attempt",
            reference_image_id=ref.effective_image_id,
            extra={"reference_label": label},
        )
    else:
        ledger.restore(
            session, instance, [copy], actor=actor, reason="used as-is again", select_if_none=copy
        )
    ledger.select(
        session,
        instance,
        copy,
        actor=actor,
        kind="use_master",
        reason=reason,
        as_is=True,
        before=before,
    )
    instance.updated_at = utcnow()
    message = " ".join(m for m in (f"Using {label} as-is.", ledger.eviction_message(evicted)) if m)
    return AsIsResult(
        instance.id, "applied", message, copy.id, evicted=tuple(a.id for a in evicted)
    )


def use_master_bulk(
    desk: Desk,
    instance_ids: list[int],
    *,
    on: bool = True,
    actor: Actor,
    versions: Mapping[int, int] | None = None,
) -> list[AsIsResult]:
    """Apply (or turn off) as-is for each instance in its own transaction; one failing asset
    is reported as skipped with its reason and does not stop the others.

    `versions`: instance id -> the version the reviewer saw; an asset that changed since is
    skipped with `stale=True`, its current version and who changed it (the message)."""
    actor = authorise(actor, "use_master_as_is")
    results = []
    for instance_id in instance_ids:
        expected = versions.get(instance_id) if versions is not None else None
        try:
            results.append(
                set_use_master_as_is(desk, instance_id, on, actor=actor, expected_version=expected)
            )
        except StaleVersion as exc:
            results.append(
                AsIsResult(
                    instance_id, "skipped", str(exc), version=exc.current_version, stale=True
                )
            )
        except Stage8Error as exc:
            results.append(AsIsResult(instance_id, "skipped", str(exc)))
    return results


def scene_targets(
    desk: Desk,
    project_name: str | None,
    scene_number: int,
    *,
    assets: list[str] | None = None,
    unchanged: bool = False,
) -> list[tuple[int, str]]:
    """(instance id, asset name) of a scene's assets: the named ones, the unchanged ones, or
    all of them (neither given), in asset-name order."""
    with desk.read() as session:
        project = find_project(session, project_name)
        scene = find_scene(session, project, scene_number)
        rows = session.execute(
            select(SceneAssetInstance, ProjectAsset.name)
            .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
            .where(SceneAssetInstance.scene_id == scene.id)
            .order_by(ProjectAsset.name)
        ).all()
    by_name = {name: inst for inst, name in rows}
    if assets:
        missing = [n for n in assets if n not in by_name]
        if missing:
            raise NotFound(f"{missing[0]!r} does not appear in scene {scene_number}.")
        return [(by_name[n].id, n) for n in assets]
    if unchanged:
        return [(i.id, n) for i, n in rows if i.description is None and i.tags is None]
    return [(i.id, n) for i, n in rows]
