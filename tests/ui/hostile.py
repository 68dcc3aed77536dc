"""A project whose every name and text is hostile Markdown/HTML, built through the services.

Used by the AppTest and the browser tests of inert text: the desk must show each string
literally, never as a link, an image the browser fetches, HTML, formatting, colour or maths.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stage8.db.column_types import utcnow
from stage8.db.models import GenerationJob
from stage8.decisions.attempts import add_attempt, select_attempt, trash_attempt
from stage8.decisions.uploads import upload_images
from stage8.desk import Desk
from stage8.projects import add_asset, add_instance, add_scene, create_project
from tests.builders import png, stored_image

LINK = "[x](https://evil.example)"
IMAGE = "![px](http://127.0.0.1:9/t.png)"
HTML = "<img src=x onerror=alert(1)>"
MARKUP = "**bold** `tick` $math$ :red[x] https://evil.example/bare"
# Hosts that only hostile data names: no page may link to them or load anything from them.
FOREIGN_HOSTS = ("evil.example", "127.0.0.1:9")

PROJECT = f"Proj {LINK} {IMAGE}"
SCENE_TITLE = f"Title {MARKUP} {HTML} {LINK}"
CHARACTER = f"Hero {LINK}"
PROP = f"Prop {IMAGE} $math$ :red[x]"
DESCRIPTION = f"desc {HTML} **bold**"
# Uploaded names keep their last path component only, so this one has no slash.
FILENAME = f"file [x](javascript:alert(1)) ![px](t.png) {HTML} **b** :red[x].png"
PROMPT = f"prompt {IMAGE} {HTML} :red[x] $a$"
REASON = f"reason {LINK} **bold** $math$"
ACTOR = f"actor {LINK}"
JOB_ERROR = f"failed {LINK} {IMAGE}"
# Every string above: none may appear unescaped in a Markdown body the desk sends.
ALL = (PROJECT, SCENE_TITLE, CHARACTER, PROP, DESCRIPTION, FILENAME, PROMPT, REASON, ACTOR)


@dataclass(frozen=True)
class HostileProject:
    project_id: int
    hero: int  # instance in scene 1: generated, uploaded and trashed attempts, a failed job
    prop: int  # instance in scene 1: uses its master as-is
    trashed_attempt: int


def build_hostile_project(desk: Desk) -> HostileProject:
    """Project PROJECT, scene 1 titled SCENE_TITLE with CHARACTER and PROP."""
    pid = create_project(desk, PROJECT)
    scene = add_scene(desk, pid, 1, SCENE_TITLE)
    hero_asset = add_asset(desk, pid, CHARACTER, "character", image_bytes=png(501))
    prop_asset = add_asset(desk, pid, PROP, "prop", image_bytes=png(502))
    hero = add_instance(desk, scene, hero_asset, description=DESCRIPTION, actor=ACTOR)
    prop = add_instance(desk, scene, prop_asset, actor=ACTOR)

    def generated(seed: int, select: bool):
        return add_attempt(
            desk,
            hero,
            source="generated",
            image_id=stored_image(desk, pid, seed),
            actor=ACTOR,
            select_it=select,
            cost_usd=Decimal("0.039"),
            prompt=PROMPT,
            provider="offline",
            model="offline-preview-1",
        ).attempt

    first = generated(503, True)
    upload_images(desk, hero, [(FILENAME, png(504))], actor=ACTOR)
    spare = generated(505, False)
    trash_attempt(desk, spare.id, actor=ACTOR, reason=REASON)
    select_attempt(desk, first.id, actor=ACTOR, reason=REASON)
    with desk.tx() as session:
        session.add(
            GenerationJob(
                instance_id=hero,
                status="failed",
                prompt=PROMPT,
                provider="offline",
                last_error=JOB_ERROR,
                finished_at=utcnow(),
                tries=3,
                max_tries=3,
                selection_version_at_queue=0,
                seed=0,
            )
        )
    return HostileProject(pid, hero, prop, spare.id)
