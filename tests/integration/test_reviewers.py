"""Roles kept in the database (issue 14 item 2), on SQLite and PostgreSQL: who gets which role,
what each role may do, and that only admins manage reviewers."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from stage8.db.column_types import utcnow
from stage8.db.models import Reviewer
from stage8.errors import InvalidInput, NotAllowed, NotFound
from stage8.reviewers.roles import (
    ACTIONS,
    Identity,
    add_reviewer,
    list_reviewers,
    operator,
    remove_reviewer,
    require,
    role_of,
    signed_in,
)

ADMIN = Identity("boss@studio.test", "Boss", "admin")
REVIEWER = Identity("rui@studio.test", "Rui", "reviewer")
VIEWER = Identity("vera@studio.test", "Vera", "viewer")


def configure(desk, **settings) -> None:
    desk.settings = replace(desk.settings, **settings)


def count_rows(desk) -> int:
    with desk.read() as s:
        return s.scalar(select(func.count()).select_from(Reviewer))


def test_bootstrap_admin_table_role_and_default(desk):
    configure(desk, admins=frozenset({"boss@studio.test"}), default_role="viewer")
    add_reviewer(desk, ADMIN, "rui@studio.test", "reviewer")
    assert role_of(desk, "Boss@Studio.TEST ") == "admin"
    assert role_of(desk, "rui@studio.test") == "reviewer"
    assert role_of(desk, "RUI@studio.test") == "reviewer"
    assert role_of(desk, "someone@else.test") == "viewer"
    configure(desk, default_role="reviewer")
    assert role_of(desk, "someone@else.test") == "reviewer"


def test_setting_wins_over_the_table_so_admins_cannot_lock_themselves_out(desk):
    configure(desk, admins=frozenset({"boss@studio.test"}))
    add_reviewer(desk, ADMIN, "boss@studio.test", "viewer")
    assert role_of(desk, "boss@studio.test") == "admin"


def test_default_role_none_refuses_unlisted_people_with_a_clear_message(desk):
    configure(desk, admins=frozenset({"boss@studio.test"}), default_role="none")
    add_reviewer(desk, ADMIN, "vera@studio.test", "viewer")
    assert role_of(desk, "vera@studio.test") == "viewer"
    assert role_of(desk, "boss@studio.test") == "admin"
    with pytest.raises(NotAllowed, match=r"stranger@studio\.test is not a reviewer.*admins"):
        role_of(desk, "Stranger@studio.test")
    with pytest.raises(NotAllowed):
        signed_in(desk, "stranger@studio.test", "Sam")


def test_signed_in_identity_carries_email_name_and_role(desk):
    add_reviewer(desk, ADMIN, "rui@studio.test", "reviewer")
    me = signed_in(desk, " Rui@Studio.test", "Rui R")
    assert me == Identity("rui@studio.test", "Rui R", "reviewer", "sign-in")
    assert me.actor == "rui@studio.test"
    assert operator("ops").role == "admin" and operator("ops").actor == "ops"


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_needs_its_least_role(action):
    needed, _ = ACTIONS[action]
    order = ["viewer", "reviewer", "admin"]
    for role in order:
        actor = Identity(f"{role}@studio.test", role, role)
        if order.index(role) >= order.index(needed):
            require(actor, action)
        else:
            with pytest.raises(NotAllowed) as refused:
                require(actor, action)
            assert f"{role}@studio.test is a {role}" in str(refused.value)
            assert f"{needed} role" in str(refused.value)


def test_action_table_matches_the_design():
    assert {a for a, (r, _) in ACTIONS.items() if r == "viewer"} == {"see", "export"}
    assert {a for a, (r, _) in ACTIONS.items() if r == "reviewer"} == {
        "decide",
        "upload",
        "generate",
        "use_master_as_is",
        "reference",
    }
    assert {a for a, (r, _) in ACTIONS.items() if r == "admin"} == {
        "cleanup_apply",
        "purge",
        "scene_delete",
        "scene_restore",
        "manage_reviewers",
    }


def test_refusal_says_who_can():
    with pytest.raises(NotAllowed, match="only reviewers and admins can upload images"):
        require(VIEWER, "upload")
    with pytest.raises(NotAllowed, match="only admins can apply the cleanup plan"):
        require(REVIEWER, "cleanup_apply")


def test_admin_adds_changes_lists_and_removes(desk):
    before = utcnow()
    added = add_reviewer(desk, ADMIN, " Ana@Studio.test ", "reviewer")
    assert (added.email, added.role, added.added_by) == ("ana@studio.test", "reviewer", ADMIN.actor)
    changed = add_reviewer(desk, operator("ops"), "ana@studio.test", "admin")
    assert changed.role == "admin"
    assert count_rows(desk) == 1
    [entry] = list_reviewers(desk, ADMIN)
    assert (entry.email, entry.role, entry.added_by) == ("ana@studio.test", "admin", "ops")
    assert entry.added_at.utcoffset() == timedelta(0) and entry.added_at >= before
    assert not entry.from_setting
    removed = remove_reviewer(desk, ADMIN, "ANA@studio.test")
    assert removed.role == "admin"
    assert list_reviewers(desk, ADMIN) == []
    assert role_of(desk, "ana@studio.test") == "viewer"


def test_list_includes_admins_from_the_setting(desk):
    configure(desk, admins=frozenset({"boss@studio.test", "zed@studio.test"}))
    add_reviewer(desk, ADMIN, "ana@studio.test", "viewer")
    add_reviewer(desk, ADMIN, "zed@studio.test", "viewer")  # the setting still makes zed admin
    listed = [(e.email, e.role, e.from_setting) for e in list_reviewers(desk, ADMIN)]
    assert listed == [
        ("ana@studio.test", "viewer", False),
        ("boss@studio.test", "admin", True),
        ("zed@studio.test", "admin", True),
    ]


@pytest.mark.parametrize("actor", [REVIEWER, VIEWER], ids=["reviewer", "viewer"])
def test_only_admins_manage_reviewers(desk, actor):
    add_reviewer(desk, ADMIN, "ana@studio.test", "reviewer")
    with pytest.raises(NotAllowed, match="only admins can list, add or remove reviewers"):
        add_reviewer(desk, actor, "ana@studio.test", "admin")
    with pytest.raises(NotAllowed):
        add_reviewer(desk, actor, "new@studio.test", "viewer")
    with pytest.raises(NotAllowed):
        remove_reviewer(desk, actor, "ana@studio.test")
    with pytest.raises(NotAllowed):
        list_reviewers(desk, actor)
    [entry] = list_reviewers(desk, ADMIN)
    assert (entry.email, entry.role) == ("ana@studio.test", "reviewer")


def test_removing_someone_not_listed_is_not_found(desk):
    with pytest.raises(NotFound, match=r"nobody@studio\.test is not in the reviewers table"):
        remove_reviewer(desk, ADMIN, "nobody@studio.test")


@pytest.mark.parametrize(
    "bad", ["", "ana", "ana@", "@studio.test", "a b@studio.test", "ana@studio", "a@b@c.test"]
)
def test_malformed_emails_are_refused(desk, bad):
    with pytest.raises(InvalidInput, match="not an email address"):
        add_reviewer(desk, ADMIN, bad, "viewer")
    assert count_rows(desk) == 0


def test_unknown_roles_are_refused(desk):
    with pytest.raises(InvalidInput, match="viewer, reviewer, admin"):
        add_reviewer(desk, ADMIN, "ana@studio.test", "owner")
    assert count_rows(desk) == 0


@pytest.mark.parametrize(
    "row",
    [
        {"email": "Ana@studio.test", "role": "viewer"},
        {"email": "ana@studio.test", "role": "owner"},
    ],
    ids=["upper-case email", "unknown role"],
)
def test_the_database_itself_refuses_bad_rows(desk, row):
    with pytest.raises(IntegrityError), desk.tx() as s:
        s.execute(insert(Reviewer).values(**row, added_by="sql", added_at=utcnow()))


def test_concurrent_adds_of_one_person_leave_one_row(desk):
    errors: list[BaseException] = []
    roles = ["viewer", "reviewer", "admin"] * 3

    def add(role: str) -> None:
        try:
            add_reviewer(desk, ADMIN, "ana@studio.test", role)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(r,)) for r in roles]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count_rows(desk) == 1
    assert role_of(desk, "ana@studio.test") in roles
