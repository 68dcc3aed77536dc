"""The demo project: a short film with drawn assets and attempts of every source.

Made by `python -m stage8 demo` and by the app on an empty default database. Images are drawn
with Pillow (stage8.demo.art), so the demo needs no network and every image is recognisable.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image as PILImage
from sqlalchemy import select

from stage8.db.finders import get_instance
from stage8.db.models import Project
from stage8.demo import art as demo_art
from stage8.desk import Desk
from stage8.images.ingest import image_row, rows_or_rollback_objects, stage_bytes
from stage8.projects import add_asset, add_instance, add_scene, create_project

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
    project_id: int
    created: bool
    scenes: int
    assets: int


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


def demo_exists(desk: Desk) -> int | None:
    with desk.tx() as session:
        return session.scalar(select(Project.id).where(Project.name == DEMO_PROJECT))


def seed_demo(desk: Desk) -> DemoResult:
    """Create the demo project unless it exists; returns its id and whether it was made now."""
    existing = demo_exists(desk)
    if existing is not None:
        return DemoResult(existing, False, len(SCENES), len(ASSETS))
    project_id = create_project(
        desk,
        DEMO_PROJECT,
        description="Demo data made by the desk. Connect a real database to review your own.",
        is_demo=True,
    )
    asset_ids: dict[str, int] = {}
    kinds: dict[str, tuple[str, int]] = {}
    for name, asset_type, description, seed in ASSETS:
        art = _draw(asset_type, name, seed, 0)
        asset_ids[name] = add_asset(
            desk, project_id, name, asset_type, description=description, image_bytes=_png(art)
        )
        kinds[name] = (asset_type, seed)
    for number, title, plan in SCENES:
        scene_id = add_scene(desk, project_id, number, title)
        for name, what in plan.items():
            changed = what != "as-is"
            instance_id = add_instance(
                desk,
                scene_id,
                asset_ids[name],
                description=CHANGED_DESCRIPTIONS.get(name, f"{name} in scene {number}")
                if changed
                else None,
                actor=DEMO_ACTOR,
            )
            if isinstance(what, list):
                _add_demo_attempts(desk, project_id, instance_id, number, name, kinds[name], what)
    return DemoResult(project_id, True, len(SCENES), len(ASSETS))


def _add_demo_attempts(desk, project_id, instance_id, scene_number, name, kind, plan) -> None:
    from stage8.decisions.attempts import add_attempt, select_attempt

    asset_type, seed = kind
    for i, code in enumerate(plan, start=1):
        base = _draw(asset_type, name, seed, scene_number * 10 + i)
        art = demo_art.draw_scene_variant(base, scene_number, i, code.rstrip("*"))
        staged = stage_bytes(desk, project_id, _png(art))
        source = {"gen": "generated", "upload": "uploaded", "legacy": "legacy"}[code.rstrip("*")]
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
                "original_byte_size": len(staged.processed.data),
            }
        with rows_or_rollback_objects(desk, [staged]), desk.tx() as session:
            get_instance(session, instance_id)
            image_id = image_row(session, staged).id
        change = add_attempt(
            desk,
            instance_id,
            source=source,
            image_id=image_id,
            actor=DEMO_ACTOR,
            select_it=False,
            mime_type=staged.processed.mime_type,
            file_size=len(staged.processed.data),
            **fields,
        )
        if code.endswith("*"):
            # Picked as soon as it exists, so a small attempt cap can never trash it first.
            select_attempt(desk, change.attempt.id, actor=DEMO_ACTOR, reason="demo pick")
