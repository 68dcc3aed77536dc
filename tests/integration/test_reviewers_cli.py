"""`python -m stage8 reviewers list|add|remove`: the operators' tool, acting as admin."""

from __future__ import annotations

import json

from stage8.reviewers.roles import role_of


def test_add_list_change_remove(run, desk):
    empty = run("reviewers", "list")
    assert empty.returncode == 0
    assert "Nobody has a role yet; they get the default role, viewer." in empty.stdout

    added = run("reviewers", "add", "Rui@Studio.test", "--role", "reviewer", "--actor", "ops")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "rui@studio.test is now a reviewer (set by ops)."
    assert role_of(desk, "rui@studio.test") == "reviewer"

    changed = run("reviewers", "add", "rui@studio.test", "--role", "admin")
    assert changed.returncode == 0 and "now a admin (set by cli-tester)" in changed.stdout

    listed = run("reviewers", "list", "--json", STAGE8_ADMINS="boss@studio.test")
    assert listed.returncode == 0
    rows = json.loads(listed.stdout)
    assert [(r["email"], r["role"], r["added_by"], r["from_setting"]) for r in rows] == [
        ("boss@studio.test", "admin", "STAGE8_ADMINS", True),
        ("rui@studio.test", "admin", "cli-tester", False),
    ]
    assert rows[1]["added_at"].endswith("+00:00")

    text = run("reviewers", "list").stdout
    assert "rui@studio.test" in text and "added by cli-tester on" in text

    removed = run("reviewers", "remove", "rui@studio.test", STAGE8_DEFAULT_ROLE="none")
    assert removed.returncode == 0
    assert removed.stdout.strip() == (
        "rui@studio.test (admin) is off the reviewers list; they are refused at sign-in "
        "(STAGE8_DEFAULT_ROLE=none)."
    )
    assert role_of(desk, "rui@studio.test") == "viewer"  # the test desk's default


def test_domain_errors_exit_1_and_usage_errors_exit_2(run):
    missing = run("reviewers", "remove", "nobody@studio.test")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "error: nobody@studio.test is not in the reviewers table; `python -m stage8 reviewers "
        "list` shows who is."
    )
    bad_role = run("reviewers", "add", "ana@studio.test", "--role", "owner")
    assert bad_role.returncode == 2 and "invalid choice: 'owner'" in bad_role.stderr
    bad_email = run("reviewers", "add", "not-an-email", "--role", "viewer")
    assert (
        bad_email.returncode == 2 and "'not-an-email' is not an email address" in bad_email.stderr
    )
    no_action = run("reviewers")
    assert no_action.returncode == 2
    bad_setting = run("reviewers", "list", STAGE8_DEFAULT_ROLE="owner")
    assert bad_setting.returncode == 1
    assert "STAGE8_DEFAULT_ROLE must be one of" in bad_setting.stderr
    assert "Traceback" not in bad_setting.stderr
