"""Find projects, scenes, assets and instances by the names people use (number, name)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from stage8.db.models import Project, ProjectAsset, Scene, SceneAssetInstance
from stage8.errors import NotFound

# The desk's numbers (ids, scene numbers, seeds) are INTEGER columns: 32-bit on PostgreSQL. A
# number outside this range names nothing, and sending it would fail in the driver (SQLite:
# OverflowError past 64 bits; PostgreSQL: "integer out of range" with the SQL text).
INTEGER_MIN = -(2**31)
INTEGER_MAX = 2**31 - 1


def fits_integer(number: int) -> bool:
    """Whether `number` can be stored in (so looked up by) one of the desk's integer columns."""
    return INTEGER_MIN <= number <= INTEGER_MAX


def parse_number(raw: str, what: str, *, minimum: int = INTEGER_MIN) -> int:
    """A whole number typed by a person (URL, command line) for `what`; ValueError says why not.

    The one range check at the edges: the command line's argument types and the finders use it.
    """
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{what} must be a whole number, got {raw!r}") from None
    if not minimum <= number <= INTEGER_MAX:
        raise ValueError(f"{what} must be between {minimum} and {INTEGER_MAX}, got {number}")
    return number


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
    scene = (
        None
        if not fits_integer(scene_number)
        else session.scalar(
            select(Scene).where(
                Scene.project_id == project.id,
                Scene.scene_number == scene_number,
                Scene.deleted_at.is_(None),
            )
        )
    )
    if scene is None:
        raise NotFound(
            f"Scene {scene_number} does not exist: project {project.name!r} has no scene "
            f"{scene_number} (it may have been deleted or renumbered). Pick one from the list "
            "of scenes."
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
    instance = session.scalar(query) if fits_integer(instance_id) else None
    if instance is None:
        raise NotFound(f"Scene asset instance {instance_id} does not exist (it may be deleted).")
    return instance
