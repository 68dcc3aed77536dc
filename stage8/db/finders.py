"""Find projects, scenes, assets and instances by the names people use (number, name)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.models import Project, ProjectAsset, Scene, SceneAssetInstance
from stage8.errors import NotFound


def find_project(session: Session, name: str | None = None) -> Project:
    """The named project, or the only project when no name is given."""
    if name is not None:
        project = session.scalar(select(Project).where(Project.name == name))
        if project is None:
            names = ", ".join(session.scalars(select(Project.name).order_by(Project.name)))
            raise NotFound(f"No project named {name!r}. Projects: {names or 'none yet'}.")
        return project
    projects = list(session.scalars(select(Project).order_by(Project.id).limit(2)))
    if not projects:
        raise NotFound("There is no project yet: run `python -m stage8 demo` to make one.")
    if len(projects) > 1:
        names = ", ".join(session.scalars(select(Project.name).order_by(Project.name)))
        raise NotFound(f"There are several projects ({names}): say which with --project.")
    return projects[0]


def find_scene(session: Session, project: Project, scene_number: int) -> Scene:
    """The live (not deleted) scene with that number in the project."""
    scene = session.scalar(
        select(Scene).where(
            Scene.project_id == project.id,
            Scene.scene_number == scene_number,
            Scene.deleted_at.is_(None),
        )
    )
    if scene is None:
        raise NotFound(
            f"Project {project.name!r} has no scene {scene_number} "
            "(it may have been deleted or renumbered); list scenes with `python -m stage8 scenes`."
        )
    return scene


def find_asset(session: Session, project: Project, name: str) -> ProjectAsset:
    asset = session.scalar(
        select(ProjectAsset).where(ProjectAsset.project_id == project.id, ProjectAsset.name == name)
    )
    if asset is None:
        raise NotFound(f"Project {project.name!r} has no asset named {name!r}.")
    return asset


def find_instance(
    session: Session, project_name: str | None, scene_number: int, asset_name: str
) -> SceneAssetInstance:
    """The instance of the named asset in the numbered scene."""
    project = find_project(session, project_name)
    scene = find_scene(session, project, scene_number)
    asset = find_asset(session, project, asset_name)
    instance = session.scalar(
        select(SceneAssetInstance).where(
            SceneAssetInstance.scene_id == scene.id, SceneAssetInstance.asset_id == asset.id
        )
    )
    if instance is None:
        raise NotFound(f"{asset_name!r} does not appear in scene {scene_number}.")
    return instance


def get_instance(session: Session, instance_id: int, *, for_update: bool = False):
    """The instance by id; with for_update, its row is locked until the transaction ends."""
    query = select(SceneAssetInstance).where(SceneAssetInstance.id == instance_id)
    if for_update:
        query = query.with_for_update()
    instance = session.scalar(query)
    if instance is None:
        raise NotFound(f"Scene asset instance {instance_id} does not exist (it may be deleted).")
    return instance
