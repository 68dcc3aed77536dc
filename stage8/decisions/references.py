"""The master reference chain of an instance and its effective reference.

Chain: the asset's master image, then every earlier live scene (in scene order) whose instance
of the asset has a selected image. Links that share one image are one entry, placed where the
image was last used: consecutive scenes read "Scenes 2–3", and the master joins a scene that
uses it ("Master = Scene 2"). The default is the last entry. A reviewer's choice is re-checked on
every read and reported stale when its scene was deleted, moved, or selected another image since.
Every function here runs a fixed number of queries however many scenes and instances there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from stage8.db.models import Attempt, Image, ProjectAsset, Scene, SceneAssetInstance


@dataclass(frozen=True)
class ChainEntry:
    image_id: int
    source: str  # "master" or "scene"
    scene_id: int | None  # the most recent scene that uses the image (None: the master only)
    scene_numbers: tuple[int, ...]
    storage_key: str
    thumb_key: str | None
    # Runs of consecutive chain scenes using the image ((2, 3) reads "Scenes 2–3").
    runs: tuple[tuple[int, ...], ...] = ()

    @property
    def label(self) -> str:
        runs = self.runs or ((self.scene_numbers,) if self.scene_numbers else ())
        parts = [_run_label(run) for run in runs]
        if self.source == "master":
            return " = ".join(["Master", ", ".join(parts)]) if parts else "Master"
        return ", ".join(parts)

    @property
    def scene_number(self) -> int | None:
        return self.scene_numbers[-1] if self.scene_numbers else None


@dataclass(frozen=True)
class ReferenceState:
    instance_id: int
    chain: list[ChainEntry]
    default_index: int | None
    chosen_image_id: int | None
    chosen_scene_id: int | None
    chosen_scene_number: int | None
    chosen_index: int | None  # where the choice sits in the chain, None when it is not there
    stale_reason: str | None
    effective_image_id: int | None
    effective_key: str | None
    effective_thumb_key: str | None = None

    @property
    def is_default(self) -> bool:
        return self.chosen_image_id is None

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None

    @property
    def effective_index(self) -> int | None:
        return self.default_index if self.is_default else self.chosen_index

    @property
    def effective_source(self) -> str | None:
        if self.effective_image_id is None:
            return None
        if self.is_default:
            return self.chain[self.default_index].source if self.default_index is not None else None
        return "master" if self.chosen_scene_id is None else "scene"

    @property
    def effective_scene_number(self) -> int | None:
        if self.is_default:
            idx = self.default_index
            return self.chain[idx].scene_number if idx is not None else None
        return self.chosen_scene_number

    @property
    def image_id(self) -> int | None:
        return self.effective_image_id


def reference_states(session: Session, instance_ids: Iterable[int]) -> dict[int, ReferenceState]:
    """Chain, default, choice and staleness of each instance, in four queries in all."""
    ids = list(instance_ids)
    if not ids:
        return {}
    MasterImg = aliased(Image)
    rows = session.execute(
        select(
            SceneAssetInstance.id,
            SceneAssetInstance.asset_id,
            SceneAssetInstance.reference_image_id,
            SceneAssetInstance.reference_scene_id,
            Scene.project_id,
            Scene.scene_number,
            ProjectAsset.image_id,
            MasterImg.storage_key,
            MasterImg.thumb_key,
        )
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .join(ProjectAsset, ProjectAsset.id == SceneAssetInstance.asset_id)
        .outerjoin(MasterImg, MasterImg.id == ProjectAsset.image_id)
        .where(SceneAssetInstance.id.in_(ids))
    ).all()
    if not rows:
        return {}
    asset_ids = {r.asset_id for r in rows}
    project_ids = {r.project_id for r in rows}
    max_number = max(r.scene_number for r in rows)
    # Every live scene's selected image of these assets, in scene order (one query).
    history = session.execute(
        select(
            SceneAssetInstance.asset_id,
            Scene.id,
            Scene.scene_number,
            Attempt.image_id,
            Image.storage_key,
            Image.thumb_key,
        )
        .join(Scene, Scene.id == SceneAssetInstance.scene_id)
        .join(Attempt, Attempt.id == SceneAssetInstance.selected_attempt_id)
        .join(Image, Image.id == Attempt.image_id)
        .where(
            SceneAssetInstance.asset_id.in_(asset_ids),
            Scene.project_id.in_(project_ids),
            Scene.deleted_at.is_(None),
            Scene.scene_number < max_number,
        )
        .order_by(Scene.scene_number)
    ).all()
    by_asset: dict[int, list] = defaultdict(list)
    for h in history:
        by_asset[h.asset_id].append(h)
    chosen_scenes = _chosen_scene_facts(session, rows)
    chosen_images = _image_keys(session, {r.reference_image_id for r in rows} - {None})
    return {r.id: _state(r, by_asset[r.asset_id], chosen_scenes, chosen_images) for r in rows}


def reference_state(session: Session, instance_id: int) -> ReferenceState | None:
    return reference_states(session, [instance_id]).get(instance_id)


def effective_reference(session: Session, instance_id: int) -> ReferenceState | None:
    """The reference generation sends and "use master as-is" copies (chosen, else default)."""
    state = reference_state(session, instance_id)
    if state is None or state.effective_image_id is None:
        return None
    return state


def _chosen_scene_facts(session: Session, rows) -> dict[tuple[int, int], tuple]:
    """For each (chosen scene, asset): the scene's number, deleted time and selected image."""
    scene_ids = {r.reference_scene_id for r in rows if r.reference_scene_id is not None}
    if not scene_ids:
        return {}
    sel = aliased(Attempt)
    facts = session.execute(
        select(
            Scene.id,
            Scene.scene_number,
            Scene.deleted_at,
            SceneAssetInstance.asset_id,
            sel.image_id,
        )
        .outerjoin(SceneAssetInstance, SceneAssetInstance.scene_id == Scene.id)
        .outerjoin(sel, sel.id == SceneAssetInstance.selected_attempt_id)
        .where(Scene.id.in_(scene_ids))
    ).all()
    out: dict[tuple[int, int], tuple] = {}
    for f in facts:
        out[(f.id, f.asset_id)] = (f.scene_number, f.deleted_at, f.image_id)
        out.setdefault((f.id, -1), (f.scene_number, f.deleted_at, None))
    return out


def _image_keys(session: Session, image_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    if not image_ids:
        return {}
    rows = session.execute(
        select(Image.id, Image.storage_key, Image.thumb_key).where(Image.id.in_(image_ids))
    )
    return {i: (k, t) for i, k, t in rows}


def _run_label(run: tuple[int, ...]) -> str:
    return f"Scene {run[0]}" if len(run) == 1 else f"Scenes {run[0]}–{run[-1]}"


def _build_chain(row, history) -> list[ChainEntry]:
    """Master, then each scene's selected image; links sharing an image merge into one entry,
    which sits where the image was used last (so the default, the last entry, stays last)."""
    links: list[tuple] = []  # (image_id, scene row or None for the master), in chain order
    if row.image_id is not None:
        links.append((row.image_id, None))
    links += [(h.image_id, h) for h in history]
    positions: dict[int, list[int]] = defaultdict(list)
    for i, (image_id, _) in enumerate(links):
        positions[image_id].append(i)
    chain: list[ChainEntry] = []
    for i, (image_id, _) in enumerate(links):
        if positions[image_id][-1] != i:
            continue
        scenes = [(j, links[j][1]) for j in positions[image_id] if links[j][1] is not None]
        runs: list[list[int]] = []
        previous = None
        for j, h in scenes:
            if previous is not None and previous == j - 1:
                runs[-1].append(h.scene_number)
            else:
                runs.append([h.scene_number])
            previous = j
        has_master = links[0][1] is None and links[0][0] == image_id
        newest = scenes[-1][1] if scenes else None
        keys_from = newest if newest is not None else row
        chain.append(
            ChainEntry(
                image_id,
                "master" if has_master else "scene",
                newest.id if newest is not None else None,
                tuple(h.scene_number for _, h in scenes),
                keys_from.storage_key,
                keys_from.thumb_key,
                tuple(tuple(run) for run in runs),
            )
        )
    return chain


def _state(row, history, chosen_scenes, chosen_images) -> ReferenceState:
    chain = _build_chain(row, [h for h in history if h.scene_number < row.scene_number])
    default_index = len(chain) - 1 if chain else None
    chosen_image = row.reference_image_id
    chosen_scene = row.reference_scene_id
    chosen_number = None
    stale = None
    chosen_index = None
    if chosen_image is not None:
        if chosen_scene is None:
            if row.image_id != chosen_image:
                stale = "The master image has changed since it was chosen"
            if not stale:
                chosen_index = next((i for i, e in enumerate(chain) if e.source == "master"), None)
        else:
            facts = chosen_scenes.get((chosen_scene, row.asset_id)) or chosen_scenes.get(
                (chosen_scene, -1)
            )
            number, deleted_at, current_image = facts if facts else (None, None, None)
            chosen_number = number
            name = f"Scene {number}" if number is not None else "The chosen scene"
            if facts is None or deleted_at is not None:
                stale = f"{name} was deleted"
            elif number >= row.scene_number:
                stale = f"{name} is no longer before this scene"
            elif current_image is None:
                stale = f"{name} no longer has a selected image of this asset"
            elif current_image != chosen_image:
                stale = f"{name} now has a newer image"
            else:
                chosen_index = next(
                    (
                        i
                        for i, e in enumerate(chain)
                        if e.scene_id == chosen_scene or number in e.scene_numbers
                    ),
                    None,
                )
    if chosen_image is not None:
        key, thumb = chosen_images.get(chosen_image, (None, None))
        effective_id = chosen_image
    elif default_index is not None:
        entry = chain[default_index]
        effective_id, key, thumb = entry.image_id, entry.storage_key, entry.thumb_key
    else:
        effective_id, key, thumb = None, None, None
    return ReferenceState(
        instance_id=row.id,
        chain=chain,
        default_index=default_index,
        chosen_image_id=chosen_image,
        chosen_scene_id=chosen_scene,
        chosen_scene_number=chosen_number,
        chosen_index=chosen_index,
        stale_reason=stale,
        effective_image_id=effective_id,
        effective_key=key,
        effective_thumb_key=thumb,
    )
