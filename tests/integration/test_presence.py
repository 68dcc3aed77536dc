"""Presence on a scene (issue 14 item 5), on SQLite and PostgreSQL: heartbeats upsert one row per
browser session and scene, expire after about 30 s, and a session is on one scene at a time.
Times are passed in (`now=`), so nothing here waits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from stage8.db.column_types import utcnow
from stage8.db.models import Presence
from stage8.reviewers.presence import EXPIRY, heartbeat, leave, who_else
from stage8.reviewers.roles import Identity
from tests.builders import project_with_scenes

ANA = Identity("ana@studio.test", "Ana", "reviewer")
BO = Identity("bo@studio.test", "Bo", "viewer")
ME = Identity(None, "me", "admin", source="typed")


def _rows(desk) -> int:
    with desk.read() as s:
        return s.scalar(select(func.count()).select_from(Presence))


def test_others_on_the_scene_not_me_and_not_other_scenes(desk):
    scenes = project_with_scenes(desk, scenes=2)["scenes"]
    heartbeat(desk, scenes[1], "tab-me", ME)
    heartbeat(desk, scenes[1], "tab-ana", ANA)
    heartbeat(desk, scenes[2], "tab-bo", BO)
    here = who_else(desk, scenes[1], "tab-me")
    assert [(p.name, p.actor, p.role) for p in here] == [("Ana", "ana@studio.test", "reviewer")]
    assert [p.name for p in who_else(desk, scenes[2], "tab-me")] == ["Bo"]


def test_heartbeat_refreshes_one_row_and_a_person_in_two_tabs_is_listed_once(desk):
    scene = project_with_scenes(desk, scenes=1)["scenes"][1]
    start = utcnow()
    for i in range(3):
        heartbeat(desk, scene, "tab-ana-1", ANA, now=start + timedelta(seconds=i))
    heartbeat(desk, scene, "tab-ana-2", ANA, now=start + timedelta(seconds=3))
    assert _rows(desk) == 2
    here = who_else(desk, scene, "tab-me", now=start + timedelta(seconds=4))
    assert [p.name for p in here] == ["Ana"]
    assert here[0].seen_at == start + timedelta(seconds=3)


def test_a_silent_session_expires_and_its_row_is_deleted(desk):
    scene = project_with_scenes(desk, scenes=1)["scenes"][1]
    start = utcnow()
    heartbeat(desk, scene, "tab-ana", ANA, now=start)
    heartbeat(desk, scene, "tab-bo", BO, now=start + EXPIRY - timedelta(seconds=1))
    later = start + EXPIRY + timedelta(seconds=1)
    assert [p.name for p in who_else(desk, scene, "tab-me", now=later)] == ["Bo"]
    heartbeat(desk, scene, "tab-me", ME, now=later)  # any heartbeat clears expired rows
    with desk.read() as s:
        assert sorted(s.scalars(select(Presence.session_id))) == ["tab-bo", "tab-me"]


def test_moving_to_another_scene_or_leaving_removes_the_old_presence(desk):
    scenes = project_with_scenes(desk, scenes=2)["scenes"]
    heartbeat(desk, scenes[1], "tab-ana", ANA)
    heartbeat(desk, scenes[2], "tab-ana", ANA)
    assert who_else(desk, scenes[1], "tab-me") == []
    assert [p.name for p in who_else(desk, scenes[2], "tab-me")] == ["Ana"]
    leave(desk, "tab-ana")
    assert who_else(desk, scenes[2], "tab-me") == [] and _rows(desk) == 0


def test_long_names_fit_their_columns(desk):
    scene = project_with_scenes(desk, scenes=1)["scenes"][1]
    long = Identity(None, "N" * 500, "admin", source="typed")
    heartbeat(desk, scene, "t" * 100, long)
    (person,) = who_else(desk, scene, "tab-me")
    assert person.name == "N" * 200
