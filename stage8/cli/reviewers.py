"""The `reviewers` verb: list, add and remove the people with a role on the desk.

The command line is the operators' tool: it acts as admin under `--actor` (default: $USER).
"""

from __future__ import annotations

import argparse

from stage8.cli.core import actor, add_verb, desk, print_json
from stage8.db.models import REVIEWER_ROLES
from stage8.errors import InvalidInput
from stage8.reviewers.roles import (
    add_reviewer,
    list_reviewers,
    normalise_email,
    remove_reviewer,
)


def _default_role_words(default_role: str) -> str:
    if default_role == "none":
        return "they are refused at sign-in (STAGE8_DEFAULT_ROLE=none)"
    return f"they get the default role, {default_role}"


def _reviewers(args: argparse.Namespace) -> int:
    d = desk()
    me = actor(args)
    if args.action == "list":
        entries = list_reviewers(d, me)
        if args.json:
            print_json([e.as_json() for e in entries])
            return 0
        if not entries:
            print(f"Nobody has a role yet; {_default_role_words(d.settings.default_role)}.")
        for e in entries:
            how = (
                "from STAGE8_ADMINS"
                if e.from_setting
                else f"added by {e.added_by} on {e.added_at:%Y-%m-%d %H:%M} UTC"
            )
            print(f"{e.email:<40} {e.role:<9} {how}")
        return 0
    if args.action == "add":
        entry = add_reviewer(d, me, args.email, args.role)
        message = f"{entry.email} is now a {entry.role} (set by {entry.added_by})."
        if entry.email in d.settings.admins and entry.role != "admin":
            message += " They stay admin while STAGE8_ADMINS lists them."
        if args.json:
            print_json({**entry.as_json(), "message": message})
        else:
            print(message)
        return 0
    entry = remove_reviewer(d, me, args.email)
    after = (
        "they stay admin through STAGE8_ADMINS"
        if entry.email in d.settings.admins
        else _default_role_words(d.settings.default_role)
    )
    message = f"{entry.email} ({entry.role}) is off the reviewers list; {after}."
    if args.json:
        print_json({**entry.as_json(), "message": message})
    else:
        print(message)
    return 0


def register(sub) -> None:
    p = add_verb(
        sub,
        "reviewers",
        "list, add or remove reviewers and their roles (acts as admin under --actor)",
        _reviewers,
        json_flag=True,
        project=False,
    )
    # --actor and --json also after the action (`reviewers add EMAIL --role R --actor me`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--actor", default=argparse.SUPPRESS, help="who does it (default: $USER)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser(
        "list", parents=[common], help="everyone with a role, admins from STAGE8_ADMINS included"
    )
    add = actions.add_parser(
        "add", parents=[common], help="give a person a role (or change theirs)"
    )
    add.add_argument("email", type=_email, help="their sign-in email")
    add.add_argument("--role", required=True, choices=REVIEWER_ROLES, help="their role")
    remove = actions.add_parser("remove", parents=[common], help="take a person off the list")
    remove.add_argument("email", type=_email, help="their sign-in email")


def _email(raw: str) -> str:
    try:
        return normalise_email(raw)
    except InvalidInput as exc:  # a malformed argument is a usage error (exit 2)
        raise argparse.ArgumentTypeError(str(exc)) from exc
