"""The demo project is made as one unit, its counts come from the database, and the app's
first-start seeding reads without taking the write lock."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from stage8.config import default_database_url
from stage8.db.models import Image, Project, Scene
from stage8.demo.seed import (
    ASSETS,
    DEMO_PROJECT,
    SCENES,
    demo_exists,
    seed_demo,
    seed_demo_if_empty,
)
from stage8.desk import Desk
from stage8.errors import StorageError
from stage8.projects import create_project, delete_scene
from stage8.reads.integrity import check
from tests.integration.test_cleanup_faults import FailingStore


def row_count(desk: Desk, model) -> int:
    with desk.read() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("failing", [("put", 1), ("put", 23), ("exists", 40)])
def test_a_demo_that_fails_midway_leaves_nothing_and_a_rerun_makes_it_whole(
    desk: Desk, failing: tuple[str, int]
) -> None:
    real = desk.store
    store = FailingStore(real)
    desk.use_store(store)
    store.fail(*failing)
    with pytest.raises(StorageError, match="injected"):
        seed_demo(desk)
    assert demo_exists(desk) is None
    assert row_count(desk, Project) == row_count(desk, Scene) == row_count(desk, Image) == 0
    assert list(real.list()) == []  # the objects written before the failure are gone again

    store.failing = None
    made = seed_demo(desk)
    assert made.created and made.complete
    assert (made.scenes, made.assets) == (len(SCENES), len(ASSETS))
    assert made.message == (
        f"Created demo project {made.project_id} "
        f"({len(SCENES)} scenes, {len(ASSETS)} assets, {made.attempts} attempts)."
    )
    assert check(desk) == []
    again = seed_demo(desk)
    assert not again.created and again.project_id == made.project_id
    assert again.message.startswith(f"Already present: demo project {made.project_id} (7 scenes")


def test_the_counts_are_read_from_the_database(desk: Desk) -> None:
    made = seed_demo(desk)
    with desk.read() as session:
        last = session.scalar(
            select(Scene.id).where(Scene.project_id == made.project_id, Scene.scene_number == 7)
        )
    delete_scene(desk, last, actor="t")
    again = seed_demo(desk)
    assert (again.scenes, again.assets) == (len(SCENES) - 1, len(ASSETS))
    assert "6 scenes" in again.message and not again.complete
    assert "incomplete" in again.message


def test_demo_exists_does_not_wait_for_a_writer(desk: Desk) -> None:
    # On SQLite a write transaction holds the database's write lock until it ends; a reader
    # in a deferred transaction goes on beside it (WAL), one in BEGIN IMMEDIATE would wait.
    with desk.tx() as writer:
        writer.add(Project(name=DEMO_PROJECT, description="", is_demo=True))
        writer.flush()
        assert demo_exists(desk) is None  # the writer's row is not committed yet
    assert demo_exists(desk) is not None


def desk_with(desk: Desk, *, default: bool) -> Desk:
    """The same database and store, with settings that call it the default database or not."""
    home = desk.settings.home / ("" if default else "elsewhere")
    settings = replace(desk.settings, home=home, database_url=default_database_url(home))
    if not default:
        settings = replace(settings, database_url=desk.settings.database_url)
    assert settings.is_default_database == default
    return Desk(settings, desk.engine, desk.sessions, _store=desk.store)


def test_only_an_empty_default_database_is_seeded(desk: Desk) -> None:
    assert seed_demo_if_empty(desk_with(desk, default=False)) is None
    assert row_count(desk, Project) == 0
    default_desk = desk_with(desk, default=True)
    made = seed_demo_if_empty(default_desk)
    assert made is not None and made.created and made.complete
    assert seed_demo_if_empty(default_desk) is None  # not empty any more
    assert row_count(desk, Project) == 1


def test_a_default_database_with_another_project_is_left_alone(desk: Desk) -> None:
    create_project(desk, "Our film")
    assert seed_demo_if_empty(desk_with(desk, default=True)) is None
    assert row_count(desk, Project) == 1
