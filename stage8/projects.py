"""Projects, scenes, master assets and scene asset instances: creating and (soft) deleting them.

Rules owned here: scene numbers are unique among a project's live scenes; an unchanged asset put
into a scene starts as "use master as-is" in the same transaction; deleting a scene is soft and
restoring it brings back, in the same transaction, what the cleanup trashed because of it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import (
    ASSET_TYPES,
    Attempt,
    DecisionEvent,
    Project,
    ProjectAsset,
    Scene,
    SceneAssetInstance,
)
from stage8.decisions import ledger
from stage8.decisions.events import record_event
from stage8.decisions.use_master import apply_as_is
from stage8.desk import Desk
from stage8.errors import DecisionConflict, InvalidInput, NotFound
from stage8.images.ingest import image_row, rows_or_rollback_objects, stage_bytes
from stage8.reviewers.roles import Actor, authorise


def create_project(desk: Desk, name: str, *, description: str = "", is_demo: bool = False) -> int:
    name = name.strip()
    if not name:
        raise InvalidInput("A project needs a name.")
    with desk.tx() as session:
        if session.scalar(select(Project.id).where(Project.name == name)):
            raise DecisionConflict(f"A project named {name!r} already exists.")
        project = Project(name=name, description=description, is_demo=is_demo, created_at=utcnow())
        session.add(project)
        session.flush()
        return project.id


def add_scene(desk: Desk, project_id: int, scene_number: int, title: str, description: str = ""):
    """Add a scene; its number must be free among the project's live scenes."""
    with desk.tx() as session:
        if session.get(Project, project_id) is None:
            raise NotFound(f"Project {project_id} does not exist.")
        taken = session.scalar(
            select(Scene.id).where(
                Scene.project_id == project_id,
                Scene.scene_number == scene_number,
                Scene.deleted_at.is_(None),
            )
        )
        if taken:
            raise DecisionConflict(f"Scene {scene_number} already exists in this project.")
        scene = Scene(
            project_id=project_id,
            scene_number=scene_number,
            title=title,
            description=description,
            created_at=utcnow(),
        )
        session.add(scene)
        session.flush()
        return scene.id


def add_asset(
    desk: Desk,
    project_id: int,
    name: str,
    asset_type: str,
    *,
    description: str = "",
    tags: list[str] | None = None,
    image_bytes: bytes | None = None,
) -> int:
    """Add a master asset, with its master image stored first when given."""
    if asset_type not in ASSET_TYPES:
        raise InvalidInput(
            f"Asset type must be one of {', '.join(ASSET_TYPES)}, not {asset_type!r}."
        )
    staged = [stage_bytes(desk, project_id, image_bytes)] if image_bytes is not None else []
    with rows_or_rollback_objects(desk, staged), desk.tx() as session:
        if session.scalar(
            select(ProjectAsset.id).where(
                ProjectAsset.project_id == project_id, ProjectAsset.name == name
            )
        ):
            raise DecisionConflict(f"An asset named {name!r} already exists in this project.")
        asset = ProjectAsset(
            project_id=project_id,
            name=name,
            asset_type=asset_type,
            description=description,
            tags=list(tags or []),
            image_id=image_row(session, staged[0]).id if staged else None,
            created_at=utcnow(),
        )
        session.add(asset)
        session.flush()
        return asset.id


def add_instance(
    desk: Desk,
    scene_id: int,
    asset_id: int,
    *,
    description: str | None = None,
    tags: list[str] | None = None,
    actor: Actor = "system",
    apply_as_is_rule: bool = True,
) -> int:
    """Put an asset into a scene, in one transaction.

    An instance that changes nothing about its asset (no description or tag override) starts
    with "use master as-is" on and its effective reference selected, so nothing is generated
    for unchanged assets; when there is no reference to use (DecisionConflict), nothing is added.
    """
    with desk.tx() as session:
        scene = session.get(Scene, scene_id)
        asset = session.get(ProjectAsset, asset_id)
        if scene is None or scene.deleted_at is not None:
            raise NotFound(f"Scene {scene_id} does not exist or was deleted.")
        if asset is None or asset.project_id != scene.project_id:
            raise NotFound(f"Asset {asset_id} is not an asset of this scene's project.")
        instance = SceneAssetInstance(
            scene_id=scene_id,
            asset_id=asset_id,
            description=description,
            tags=tags,
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(instance)
        session.flush()
        if apply_as_is_rule and description is None and tags is None:
            apply_as_is(session, desk, instance, actor=actor, reason="unchanged asset")
        return instance.id


def _set_scene_deleted(session: Session, scene_id: int, deleted: bool, actor: Actor) -> Scene:
    scene = session.get(Scene, scene_id, with_for_update=True)
    if scene is None:
        raise NotFound(f"Scene {scene_id} does not exist.")
    if deleted == (scene.deleted_at is not None):
        return scene
    if not deleted:
        clash = session.scalar(
            select(Scene.id).where(
                Scene.project_id == scene.project_id,
                Scene.scene_number == scene.scene_number,
                Scene.deleted_at.is_(None),
            )
        )
        if clash:
            raise DecisionConflict(
                f"Scene number {scene.scene_number} is taken by another scene now; "
                "renumber that scene before restoring this one."
            )
    scene.deleted_at = utcnow() if deleted else None
    record_event(
        session,
        project_id=scene.project_id,
        kind="scene_delete" if deleted else "scene_restore",
        actor=actor,
        after={"scene_id": scene.id, "scene_number": scene.scene_number},
    )
    return scene


def delete_scene(desk: Desk, scene_id: int, *, actor: Actor) -> None:
    """Soft-delete a scene; it can be restored, and its images go through trash and purge."""
    actor = authorise(actor, "scene_delete")
    with desk.tx() as session:
        _set_scene_deleted(session, scene_id, True, actor)


def restore_scene(desk: Desk, scene_id: int, *, actor: Actor) -> int:
    """Undo a scene's deletion, in one transaction: the scene comes back, and so do the
    attempts the cleanup moved to the trash because it was deleted (unless already purged),
    with their selection. Returns how many attempts came back."""
    actor = authorise(actor, "scene_restore")
    with desk.tx() as session:
        scene = _set_scene_deleted(session, scene_id, False, actor)
        return _restore_scene_attempts(session, scene, actor)


def _restore_scene_attempts(session: Session, scene: Scene, actor: Actor) -> int:
    scene_id = scene.id
    reason = f"cleanup: scene {scene.scene_number} was deleted"
    instances = list(
        session.scalars(
            select(SceneAssetInstance)
            .where(SceneAssetInstance.scene_id == scene_id)
            .order_by(SceneAssetInstance.id)
            .with_for_update()
        )
    )
    restored = 0
    for instance in instances:
        attempts = list(
            session.scalars(
                select(Attempt)
                .where(Attempt.instance_id == instance.id, Attempt.trashed_reason == reason)
                .order_by(Attempt.attempt_number)
            )
        )
        if not attempts:
            continue
        target = None
        if instance.selected_attempt_id is None:
            # The selection the cleanup cleared, recorded in its event; else the newest.
            befores = session.scalars(
                select(DecisionEvent.before)
                .where(
                    DecisionEvent.instance_id == instance.id,
                    DecisionEvent.kind == "cleanup",
                )
                .order_by(DecisionEvent.id.desc())
            )
            wanted = next(
                (b["selected_attempt_id"] for b in befores if b and b.get("selected_attempt_id")),
                None,
            )
            target = next((a for a in attempts if a.id == wanted), attempts[-1])
        restored += len(attempts)
        ledger.restore(
            session,
            instance,
            attempts,
            actor=actor,
            reason=f"scene {scene.scene_number} was restored",
            select_if_none=target,
            human=False,
        )
    return restored


def renumber_scene(desk: Desk, scene_id: int, new_number: int) -> None:
    with desk.tx() as session:
        scene = session.get(Scene, scene_id, with_for_update=True)
        if scene is None or scene.deleted_at is not None:
            raise NotFound(f"Scene {scene_id} does not exist or was deleted.")
        clash = session.scalar(
            select(Scene.id).where(
                Scene.project_id == scene.project_id,
                Scene.scene_number == new_number,
                Scene.deleted_at.is_(None),
                Scene.id != scene_id,
            )
        )
        if clash:
            raise DecisionConflict(f"Scene {new_number} already exists in this project.")
        scene.scene_number = new_number
