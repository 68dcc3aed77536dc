"""Small builders for tests: projects, scenes and images made through the services."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image as PILImage
from PIL import ImageDraw

from stage8.decisions.attempts import add_attempt
from stage8.desk import Desk
from stage8.images.ingest import image_row, stage_bytes
from stage8.projects import add_asset, add_instance, add_scene, create_project


def png(seed: int, size: tuple[int, int] = (96, 80)) -> bytes:
    """A small, distinct PNG for the seed (diagonal bands, so it is not a flat square)."""
    im = PILImage.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    draw = ImageDraw.Draw(im)
    for k in range(0, size[0] + size[1], 12):
        draw.line([(k, 0), (k - size[1], size[1])], fill=((seed * 7 + k) % 256, 40, 200), width=4)
    draw.text((4, 4), str(seed), fill=(255, 255, 255))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def stored_image(desk: Desk, project_id: int, seed: int) -> int:
    staged = stage_bytes(desk, project_id, png(seed))
    with desk.tx() as s:
        return image_row(s, staged).id


def project_with_scenes(
    desk: Desk, scenes: int = 3, assets: tuple[str, ...] = ("Hero",), *, as_is: bool = False
) -> dict:
    """A project with `scenes` scenes, each containing every asset (changed, so no as-is)."""
    pid = create_project(desk, "Test project")
    asset_ids = {
        name: add_asset(desk, pid, name, "character", image_bytes=png(1000 + i))
        for i, name in enumerate(assets)
    }
    scene_ids, instances = {}, {}
    for n in range(1, scenes + 1):
        scene_ids[n] = add_scene(desk, pid, n, f"Scene {n}")
        for name, aid in asset_ids.items():
            instances[(n, name)] = add_instance(
                desk,
                scene_ids[n],
                aid,
                description=None if as_is else f"{name} in {n}",
                apply_as_is_rule=as_is,
            )
    return {"project": pid, "assets": asset_ids, "scenes": scene_ids, "instances": instances}


def add_generated(
    desk: Desk,
    instance_id: int,
    project_id: int,
    seed: int,
    *,
    select=True,
    cost: Decimal = Decimal("0.039"),
):
    image_id = stored_image(desk, project_id, seed)
    return add_attempt(
        desk,
        instance_id,
        source="generated",
        image_id=image_id,
        actor="test",
        select_it=select,
        cost_usd=cost,
        prompt=f"prompt {seed}",
        provider="offline",
        model="offline-preview-1",
    )


def make_instance_with_images(desk: Desk, costs: list[Decimal]) -> list[int]:
    world = project_with_scenes(desk, scenes=1)
    iid = world["instances"][(1, "Hero")]
    return [
        add_generated(desk, iid, world["project"], 10 + i, cost=c).attempt.id
        for i, c in enumerate(costs)
    ]
