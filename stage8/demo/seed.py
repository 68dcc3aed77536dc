"""The demo project: a short film with drawn assets and attempts of every source.

Made by `python -m stage8 demo` and by the app on an empty default database. Images are drawn
with Pillow (stage8.demo.art), so the demo needs no network and every image is recognisable.

Guarantees: the demo is made as one unit. Every drawing is processed first, then, in ONE
transaction, the project row is added, the images are written to the store and every row
(assets, scenes, instances, attempts and their decision events) is added; if anything fails,
nothing is committed and the objects written for it are removed again, so running `demo` again
starts from scratch. The counts it reports are read from the database.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image as PILImage
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, Project, ProjectAsset, Scene, SceneAssetInstance
from stage8.decisions.ledger import new_attempt
from stage8.decisions.use_master import apply_as_is
from stage8.demo import art as demo_art
from stage8.desk import Desk
from stage8.images.ingest import (
    StagedImage,
    image_limits,
    image_row,
    rows_or_rollback_objects,
    stage_image,
)
from stage8.images.pipeline import ProcessedImage, process

DEMO_PROJECT = "Demo: The Lighthouse Keeper"
DEMO_ACTOR = "demo"
GEMINI_PRICE = Decimal("0.039")

ASSETS = [
    # name, type, description, seed
    ("Mara", "character", "The young lighthouse keeper, red coat, braided hair.", 11),
    ("Old Tomas", "character", "Retired fisherman, grey beard, wool cap.", 23),
    ("The Stranger", "character", "A tall figure in a dark oilskin.", 37),
    ("Lighthouse", "location", "White tower on a rocky point.", 41),
    ("Harbour Town", "location", "Small harbour with coloured houses.", 53),
    ("Storm Sea", "location", "Open sea under a storm.", 67),
    ("Brass Lantern", "prop", "An old brass storm lantern.", 71),
    ("Logbook", "prop", "The keeper's leather logbook.", 83),
]

# scene number -> (title, {asset name: plan}); a plan is "as-is" (unchanged asset), "none"
# (changed, nothing made yet), or a list of attempt kinds with the selected one marked by "*".
SCENES: list[tuple[int, str, dict[str, object]]] = [
    (
        1,
        "Arrival at the point",
        {
            "Mara": ["gen*", "gen", "gen"],
            "Lighthouse": "as-is",
            "Brass Lantern": ["upload*"],
            "Old Tomas": ["legacy*"],
        },
    ),
    (
        2,
        "The harbour at dawn",
        {
            "Mara": ["gen", "gen*"],
            "Old Tomas": "as-is",
            "Harbour Town": "none",
            "Logbook": ["gen*", "upload"],
        },
    ),
    (
        3,
        "A stranger's boat",
        {
            "Mara": ["gen", "gen", "gen*", "upload"],
            "The Stranger": ["gen*"],
            "Harbour Town": ["gen*"],
            "Old Tomas": ["gen*", "gen"],
        },
    ),
    (
        4,
        "Night watch",
        {
            "Mara": "as-is",
            "Lighthouse": ["gen", "gen*"],
            "Brass Lantern": "as-is",
            "Logbook": "as-is",
        },
    ),
    (5, "The storm breaks", {"Mara": "none", "Storm Sea": "none", "The Stranger": "none"}),
    (
        6,
        "Aftermath",
        {
            "Mara": ["gen"],
            "Old Tomas": "as-is",
            "Storm Sea": ["upload*", "gen"],
            "Lighthouse": "as-is",
        },
    ),
    (7, "A new keeper", {"Mara": "as-is", "Lighthouse": "as-is", "Logbook": ["gen*"]}),
]

CHANGED_DESCRIPTIONS = {
    "Mara": "Soaked by the storm, hair loose.",
    "Storm Sea": "Waves breaking over the rocks at night.",
    "The Stranger": "Seen only as a silhouette against lightning.",
    "Harbour Town": "Fog over the harbour, lamps still lit.",
}


@dataclass(frozen=True)
class DemoResult:
    """The demo project and what the database holds for it (live scenes, assets, attempts)."""

    project_id: int
    created: bool
    scenes: int
    assets: int
    attempts: int

    @property
    def complete(self) -> bool:
        return self.scenes >= len(SCENES) and self.assets >= len(ASSETS)

    @property
    def message(self) -> str:
        counts = f"{self.scenes} scenes, {self.assets} assets, {self.attempts} attempts"
        if self.created:
            return f"Created demo project {self.project_id} ({counts})."
        if self.complete:
            return f"Already present: demo project {self.project_id} ({counts})."
        return (
            f"Demo project {self.project_id} is incomplete ({counts}; the demo has "
            f"{len(SCENES)} scenes and {len(ASSETS)} assets): an older version stopped midway "
            f"while making it. Remove project {DEMO_PROJECT!r} from the database, or use an "
            "empty database, and run `python -m stage8 demo` again."
        )


@dataclass(frozen=True)
class _Planned:
    """One attempt of the demo: its drawing, already processed, and how it is recorded."""

    scene_number: int
    asset: str
    number: int
    code: str
    image: ProcessedImage


def demo_exists(desk: Desk) -> int | None:
    """The demo project's id, or None. Reads only (no write lock on SQLite)."""
    with desk.read() as session:
        return session.scalar(select(Project.id).where(Project.name == DEMO_PROJECT))


def seed_demo_if_empty(desk: Desk) -> DemoResult | None:
    """On the embedded default database with no project at all, make the demo (the app's first
    start); a database someone configured is never seeded. Returns what was made, or None."""
    if not desk.settings.is_default_database:
        return None
    with desk.read() as session:
        if session.scalar(select(Project.id).limit(1)) is not None:
            return None
    return seed_demo(desk)


def seed_demo(desk: Desk) -> DemoResult:
    """Create the demo project unless it exists, as one unit (see the module docstring)."""
    existing = demo_exists(desk)
    if existing is not None:
        return demo_result(desk, existing, created=False)
    masters, attempts = _drawings(desk)
    staged: list[StagedImage] = []
    try:
        with rows_or_rollback_objects(desk, staged), desk.tx() as session:
            project_id = _add_rows(desk, session, masters, attempts, staged)
    except IntegrityError:
        # Another process made the demo at the same moment (the project name is unique).
        existing = demo_exists(desk)
        if existing is None:
            raise
        return demo_result(desk, existing, created=False)
    return demo_result(desk, project_id, created=True)


def demo_result(desk: Desk, project_id: int, *, created: bool) -> DemoResult:
    """The project's live scenes, assets and attempts, counted in the database."""
    with desk.read() as session:
        scenes = session.scalar(
            select(func.count(Scene.id)).where(
                Scene.project_id == project_id, Scene.deleted_at.is_(None)
            )
        )
        assets = session.scalar(
            select(func.count(ProjectAsset.id)).where(ProjectAsset.project_id == project_id)
        )
        attempts = session.scalar(
            select(func.count(Attempt.id))
            .join(SceneAssetInstance, SceneAssetInstance.id == Attempt.instance_id)
            .join(Scene, Scene.id == SceneAssetInstance.scene_id)
            .where(Scene.project_id == project_id, Attempt.trashed_at.is_(None))
        )
    return DemoResult(project_id, created, scenes or 0, assets or 0, attempts or 0)


def _png(image: PILImage.Image) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _draw(asset_type: str, name: str, seed: int, variant: int) -> PILImage.Image:
    draw = {
        "character": demo_art.draw_character,
        "location": demo_art.draw_location,
        "prop": demo_art.draw_prop,
    }[asset_type]
    return draw(name, seed, variant)


def _drawings(desk: Desk) -> tuple[dict[str, ProcessedImage], list[_Planned]]:
    """Every picture of the demo, drawn and processed before any write."""
    limits = image_limits(desk)
    kinds = {name: (asset_type, seed) for name, asset_type, _, seed in ASSETS}
    masters = {
        name: process(_png(_draw(t, name, seed, 0)), limits) for name, (t, seed) in kinds.items()
    }
    planned: list[_Planned] = []
    for number, _, plan in SCENES:
        for name, what in plan.items():
            if not isinstance(what, list):
                continue
            asset_type, seed = kinds[name]
            for i, code in enumerate(what, start=1):
                base = _draw(asset_type, name, seed, number * 10 + i)
                art = demo_art.draw_scene_variant(base, number, i, code.rstrip("*"))
                planned.append(_Planned(number, name, i, code, process(_png(art), limits)))
    return masters, planned


def _add_rows(
    desk: Desk,
    session: Session,
    masters: dict[str, ProcessedImage],
    attempts: list[_Planned],
    staged: list[StagedImage],
) -> int:
    """Inside the caller's transaction: the project, its objects (recorded in `staged` so a
    failure removes them) and every row. Returns the project id."""
    now = utcnow()
    project = Project(
        name=DEMO_PROJECT,
        description="Demo data made by the desk. Connect a real database to review your own.",
        is_demo=True,
        created_at=now,
    )
    session.add(project)
    session.flush()

    def image_id(processed: ProcessedImage) -> int:
        staged.append(stage_image(desk, project.id, processed))
        return image_row(session, staged[-1]).id

    assets: dict[str, ProjectAsset] = {}
    for name, asset_type, description, _ in ASSETS:
        assets[name] = ProjectAsset(
            project_id=project.id,
            name=name,
            asset_type=asset_type,
            description=description,
            tags=[],
            image_id=image_id(masters[name]),
            created_at=now,
        )
        session.add(assets[name])
    session.flush()
    pictures = {(p.scene_number, p.asset, p.number): p for p in attempts}
    for number, title, plan in SCENES:
        scene = Scene(project_id=project.id, scene_number=number, title=title, created_at=now)
        session.add(scene)
        session.flush()
        for name, what in plan.items():
            changed = what != "as-is"
            instance = SceneAssetInstance(
                scene_id=scene.id,
                asset_id=assets[name].id,
                description=CHANGED_DESCRIPTIONS.get(name, f"{name} in scene {number}")
                if changed
                else None,
                created_at=now,
                updated_at=now,
            )
            session.add(instance)
            session.flush()
            if not changed:
                apply_as_is(session, desk, instance, actor=DEMO_ACTOR, reason="unchanged asset")
            elif isinstance(what, list):
                for i in range(1, len(what) + 1):
                    picture = pictures[(number, name, i)]
                    _add_attempt(desk, session, instance, picture, image_id(picture.image))
    return project.id


def _add_attempt(
    desk: Desk, session: Session, instance: SceneAssetInstance, picture: _Planned, image_id: int
) -> None:
    kind = picture.code.rstrip("*")
    source = {"gen": "generated", "upload": "uploaded", "legacy": "legacy"}[kind]
    name, scene_number, i = picture.asset, picture.scene_number, picture.number
    fields: dict[str, object] = {}
    if source == "generated":
        fields = {
            "prompt": f"{name}, scene {scene_number}, cinematic still, take {i}",
            "provider": "gemini",
            "model": "gemini-2.5-flash-image",
            "cost_usd": GEMINI_PRICE,
            "duration_ms": 4200 + 137 * i,
        }
    elif source == "uploaded":
        fields = {
            "original_filename": f"{name.lower().replace(' ', '_')}_s{scene_number}_{i}.png",
            "original_format": "PNG",
            "original_byte_size": len(picture.image.data),
        }
    new_attempt(
        session,
        instance,
        source=source,
        image_id=image_id,
        actor=DEMO_ACTOR,
        # Picked as soon as it exists, so a small attempt cap can never trash it first.
        select_it=picture.code.endswith("*"),
        cap=desk.settings.attempt_cap,
        reason="demo pick" if picture.code.endswith("*") else None,
        mime_type=picture.image.mime_type,
        file_size=len(picture.image.data),
        **fields,
    )
