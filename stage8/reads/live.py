"""What an open page polls to notice changes made elsewhere (another tab, another reviewer,
another app process, a worker finishing a job): one small query per poll."""

from __future__ import annotations

from sqlalchemy import select

from stage8.db.models import SceneAssetInstance
from stage8.desk import Desk


def instance_versions(desk: Desk, scene_id: int) -> dict[int, int]:
    """Instance id -> version of every scene asset instance of the scene, in one query.

    Every decision bumps its instance's version (`stage8.decisions.events`), so a page that
    compares these with the versions it shows knows exactly which rows changed."""
    with desk.read() as session:
        rows = session.execute(
            select(SceneAssetInstance.id, SceneAssetInstance.version).where(
                SceneAssetInstance.scene_id == scene_id
            )
        )
        return {instance_id: version for instance_id, version in rows}
