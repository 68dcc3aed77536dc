"""Realistic scenes for `benchmarks/scene_page.py`: 1024 px images of several hundred KB.

Each image is a soft gradient with shapes and film-grain noise, so its JPEG does not compress to
nothing (about 300-500 KB at 1024 x 768), and enters the desk through the real ingest
(`stage8.images.ingest.stage_bytes`): it is validated, normalised, thumbnailed and gets its
renditions, as an upload or a generation would.

One project holds every scene size (scene k has `sizes[k]` assets x `attempts` attempts): the
assets are shared, and the attempts draw from a pool of distinct images large enough that one
page of the contact sheet (`contact_sheet.PAGE_SIZE` rows) never shows the same image twice, so
the browser fetches every image it shows. Making an image costs far more than a row, so the pool
is processed once and its staged objects are reused for a second database on the same storage.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from functools import cache

import numpy as np
from PIL import Image, ImageDraw

from stage8.db.column_types import utcnow
from stage8.db.models import Attempt, ProjectAsset, SceneAssetInstance
from stage8.desk import Desk
from stage8.images.ingest import StagedImage, image_row, stage_bytes
from stage8.projects import add_scene, create_project

WIDTH, HEIGHT = 1024, 768
PROJECT = "Scene bench"
TYPES = ("character", "location", "prop")


def realistic_jpeg(seed: int) -> bytes:
    """A 1024 x 768 JPEG (quality 92) of gradient, shapes and texture; distinct for each seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = rng.uniform(40, 215, 3)
    slope = rng.uniform(-0.12, 0.12, (3, 2))
    pixels = np.stack([base[c] + slope[c, 0] * x + slope[c, 1] * y for c in range(3)], axis=-1)
    im = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, WIDTH - 60)), int(rng.integers(0, HEIGHT - 60))
        box = (x0, y0, x0 + int(rng.integers(40, 400)), y0 + int(rng.integers(40, 300)))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    # A window of the shared texture at an offset of its own (the texture is made once).
    dy, dx = int(rng.integers(0, HEIGHT)), int(rng.integers(0, WIDTH))
    texture = _texture()[dy : dy + HEIGHT, dx : dx + WIDTH]
    noisy = np.clip(np.asarray(im, dtype=np.float32) + texture, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(noisy, "RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


@cache
def _texture() -> np.ndarray:
    """Detail at every scale, as in a photograph, so the small renditions are not flat either;
    twice the image's size, so each image takes a different window of it."""
    rng = np.random.default_rng(0)
    size = (2 * HEIGHT, 2 * WIDTH)
    texture = rng.standard_normal((*size, 3), dtype=np.float32) * 9
    for step, strength in ((4, 14.0), (16, 18.0), (64, 22.0)):
        coarse = rng.normal(128, strength, (size[0] // step, size[1] // step, 3))
        small = Image.fromarray(np.clip(coarse, 0, 255).astype(np.uint8), "RGB")
        texture += np.asarray(small.resize(size[::-1], Image.Resampling.BICUBIC), np.float32)
        texture -= 128.0
    return texture


def pool_size(page_rows: int, attempts: int) -> int:
    """Distinct images needed so one page shows no image twice: every attempt of its rows and
    every row's master (the default reference)."""
    return page_rows * (attempts + 1)


def stage_pool(desk: Desk, project_id: int, count: int, progress=None) -> list[StagedImage]:
    """`count` distinct realistic images through the real ingest (store objects written; no
    rows yet). Two threads: Pillow and libvips release the GIL while they code pixels."""
    _texture()  # made once, before the threads share it
    done = 0

    def one(seed: int) -> StagedImage:
        nonlocal done
        staged = stage_bytes(desk, project_id, realistic_jpeg(seed))
        done += 1
        if progress is not None:
            progress(done, count)
        return staged

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, range(count)))


def build_scenes(
    desk: Desk,
    sizes: list[int],
    attempts: int,
    pool: list[StagedImage],
    project_id: int | None = None,
) -> dict[int, int]:
    """Scene k+1 of PROJECT holds sizes[k] assets x `attempts` attempts; returns
    {assets: scene number}. `pool` was staged for this project id on this desk's store (or a
    store sharing its folder): rows are made here, no image is processed again."""
    if project_id is None:
        project_id = create_project(desk, PROJECT)
    scene_numbers = {}
    with desk.tx() as session:
        images = [image_row(session, replace(s, store=desk.store)).id for s in pool]
    masters = len(images) // (attempts + 1)
    largest = max(sizes)
    with desk.tx() as session:
        made = [
            ProjectAsset(
                project_id=project_id,
                name=f"Asset {a:03d}",
                # Types in runs, so the page's order (type, then name) is the order made here
                # and the first page of every scene shows assets 0, 1, 2, ...
                asset_type=TYPES[a * len(TYPES) // largest],
                image_id=images[a % masters],
                created_at=utcnow(),
            )
            for a in range(largest)
        ]
        session.add_all(made)
        session.flush()
        assets = [asset.id for asset in made]
    for number, size in enumerate(sizes, start=1):
        scene_id = add_scene(desk, project_id, number, f"{size} assets")
        scene_numbers[size] = number
        with desk.tx() as session:
            _instances(session, scene_id, assets[:size], attempts, images, masters)
    return scene_numbers


def _instances(session, scene_id, assets, attempts, images, masters) -> None:
    for a, asset_id in enumerate(assets):
        inst = SceneAssetInstance(
            scene_id=scene_id,
            asset_id=asset_id,
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
                # Past the masters: a page of rows shows each attempt image once.
                image_id=images[masters + (a * attempts + n) % (len(images) - masters)],
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
        inst.selected_attempt_id = made[0].id
