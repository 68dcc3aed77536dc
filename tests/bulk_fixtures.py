"""Synthetic projects for tests and benchmarks: many assets and attempts made quickly.

Images are shared (a handful of stored images reused by many attempts), so building a scene of
50 assets × 8 attempts takes a moment, not minutes; the rows are real rows made through the
same models the services use.
"""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image as PILImage

from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, ProjectAsset, SceneAssetInstance
from stage8.desk import Desk
from stage8.images.ingest import image_row, stage_bytes
from stage8.projects import add_scene, create_project


def _png(i: int) -> bytes:
    im = PILImage.new("RGB", (128, 96), ((i * 40) % 256, (i * 90) % 256, (i * 150) % 256))
    im.paste((255, 255, 255), (10 + i * 7 % 80, 10, 40 + i * 7 % 80, 50))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def build_scene(desk: Desk, name: str, assets: int, attempts: int, scene_number: int = 1) -> int:
    """A project with one scene holding `assets` instances of `attempts` attempts each."""
    project_id = create_project(desk, name)
    scene_id = add_scene(desk, project_id, scene_number, f"{assets} assets")
    staged = [stage_bytes(desk, project_id, _png(i)) for i in range(4)]
    with desk.tx() as session:
        images = [image_row(session, s).id for s in staged]
        for a in range(assets):
            asset = ProjectAsset(
                project_id=project_id,
                name=f"Asset {a:03d}",
                asset_type=("character", "location", "prop")[a % 3],
                image_id=images[a % len(images)],
                created_at=utcnow(),
            )
            session.add(asset)
            session.flush()
            inst = SceneAssetInstance(
                scene_id=scene_id,
                asset_id=asset.id,
                description="changed",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
            session.add(inst)
            session.flush()
            made = [
                Attempt(
                    instance_id=inst.id,
                    attempt_number=n + 1,
                    source="generated",
                    image_id=images[(a + n) % len(images)],
                    cost_usd=Decimal("0.039"),
                    prompt=f"asset {a} take {n + 1}",
                    provider="offline",
                    model="offline-preview-1",
                    created_at=utcnow(),
                    extra={},
                )
                for n in range(attempts)
            ]
            session.add_all(made)
            session.flush()
            if made:
                inst.selected_attempt_id = made[0].id
    return project_id
