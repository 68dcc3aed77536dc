"""Core verbs: migrate, demo, scenes, attempts, select, check."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

from stage8.db.engine import current_revision
from stage8.db.finders import INTEGER_MIN, find_instance, parse_number
from stage8.decisions import continuity
from stage8.decisions.attempts import list_attempts, select_attempt
from stage8.decisions.ratings import rate_attempt, ratings_for
from stage8.demo.seed import seed_demo
from stage8.desk import open_desk
from stage8.errors import DecisionConflict, NotFound
from stage8.reads.board import project_overview
from stage8.reads.integrity import check, object_counts
from stage8.reviewers.roles import Identity, operator


def actor(args: argparse.Namespace) -> Identity:
    """The operator running a verb: an admin under `--actor` (default $USER), source "cli", so
    the events of their decisions say they came from the command line."""
    return operator(getattr(args, "actor", None) or os.environ.get("USER") or "cli")


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def desk():
    return open_desk()


def _migrate(args: argparse.Namespace) -> int:
    print(f"Database is at schema revision {current_revision(desk().engine)}.")
    return 0


def _demo(args: argparse.Namespace) -> int:
    result = seed_demo(desk())
    if not result.complete:
        raise DecisionConflict(result.message)
    print(result.message)
    return 0


def _scenes(args: argparse.Namespace) -> int:
    projects = project_overview(desk())
    if args.project:
        projects = [p for p in projects if p.name == args.project]
        if not projects:
            raise NotFound(f"No project named {args.project!r}.")
    data = [
        {
            "project": p.name,
            "scenes": [
                {
                    "scene_number": s.scene_number,
                    "title": s.title,
                    "assets": s.assets,
                    "decided": s.decided,
                    "undecided": s.undecided,
                    "attempts": s.attempts,
                    "total_cost": str(s.total_cost),
                }
                for s in p.scenes
            ],
        }
        for p in projects
    ]
    if args.json:
        print_json(data[0]["scenes"] if len(data) == 1 else data)
        return 0
    for p in data:
        print(p["project"])
        for s in p["scenes"]:
            print(
                f"  Scene {s['scene_number']}: {s['title']} — {', '.join(s['assets'])} "
                f"({s['decided']} decided, {s['undecided']} undecided, ${s['total_cost']})"
            )
    return 0


def instance_id(args: argparse.Namespace) -> int:
    with desk().read() as session:
        return find_instance(session, args.project, args.scene, args.asset).id


def _attempts(args: argparse.Namespace) -> int:
    the_desk = desk()
    iid = instance_id(args)
    views = list_attempts(the_desk, iid, include_trashed=args.include_trashed)
    with the_desk.read() as session:
        scores = continuity.attempt_scores(session, [iid])
        stars = ratings_for(session, [v.id for v in views])
    drift_below = the_desk.settings.drift_below
    if args.json:
        # The same meanings as the attempts export: drift is null while there is no score.
        print_json(
            [
                {
                    **v.as_json(),
                    "continuity": scores.get(v.id),
                    "drift": scores[v.id] < drift_below if v.id in scores else None,
                    "rating": stars.get(v.id),
                    "duplicate_of": v.extra.get("near_duplicate_of"),
                }
                for v in views
            ]
        )
        return 0
    if not views:
        print("No attempts yet.")
    for v in views:
        flags = " ".join(
            f
            for f, on in (
                ("SELECTED", v.selected),
                ("pinned", v.pinned),
                ("trashed", v.trashed),
                ("DRIFT", v.id in scores and scores[v.id] < drift_below),
            )
            if on
        )
        score = f"continuity {scores[v.id]:>3}" if v.id in scores else "continuity   -"
        if v.id in stars:
            score += f" rated {stars[v.id]}/5"
        if v.extra.get("near_duplicate_of") is not None:
            score += f" same as #{v.extra['near_duplicate_of']}"
        cost = f"${v.cost_usd.normalize()}" if v.cost_usd is not None else "-"
        print(
            f"#{v.attempt_number} (id {v.id}) {v.source_label:<24} {cost:>10}  "
            f"{v.created_at:%Y-%m-%d %H:%M} UTC {score} {flags}"
        )
    return 0


def _rate(args: argparse.Namespace) -> int:
    print(rate_attempt(desk(), args.attempt, None if args.clear else args.stars, actor=actor(args)))
    return 0


def _select(args: argparse.Namespace) -> int:
    change = select_attempt(
        desk(),
        args.attempt,
        actor=actor(args),
        reason=args.reason,
        reason_code=args.reason_code,
    )
    print(change.message)
    return 0


def _check(args: argparse.Namespace) -> int:
    violations = check(desk())
    if args.json:
        print_json([{"invariant": v.invariant, "message": v.message} for v in violations])
    elif violations:
        for v in violations:
            print(v)
    else:
        counts = object_counts(desk())
        print(
            f"All invariants hold. Objects: {counts.images} images, {counts.thumbnails} "
            f"thumbnails, {counts.renditions} renditions ({counts.without_renditions} images "
            "without all renditions: `python -m stage8 renditions --backfill` makes them)."
        )
    return 1 if violations else 0


def number_type(what: str, minimum: int = INTEGER_MIN) -> Callable[[str], int]:
    """An argparse `type=` for a whole number that fits the database (else usage error 2)."""

    def convert(raw: str) -> int:
        try:
            return parse_number(raw, what, minimum=minimum)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


scene_number = number_type("a scene number")
record_id = number_type("an id", minimum=1)
seed_number = number_type("a seed", minimum=0)


def add_verb(
    sub, name: str, help_text: str, handler, *, json_flag: bool = False, project: bool = True
) -> argparse.ArgumentParser:
    """Add a verb; every verb takes --actor, most take --project, data verbs take --json."""
    p = sub.add_parser(name, help=help_text, description=help_text)
    if project:
        p.add_argument("--project", help="project name (default: the only project)")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--actor", help="who makes the decision (default: $USER)")
    p.set_defaults(handler=handler)
    return p


def add_instance_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scene", type=scene_number, required=True, help="scene number")
    p.add_argument("--asset", required=True, help="asset name")


def register(sub) -> None:
    add_verb(
        sub, "migrate", "upgrade the database schema to the newest version", _migrate, project=False
    )
    add_verb(sub, "demo", "create the demo project (idempotent)", _demo, project=False)
    add_verb(sub, "scenes", "list scenes with their assets", _scenes, json_flag=True)
    p = add_verb(
        sub,
        "attempts",
        "list an asset's attempts in a scene, newest first",
        _attempts,
        json_flag=True,
    )
    add_instance_args(p)
    p.add_argument("--include-trashed", action="store_true")
    p = add_verb(
        sub, "select", "make an attempt the selected image of its asset", _select, project=False
    )
    p.add_argument("--attempt", type=record_id, required=True, help="attempt id")
    p.add_argument("--reason", help="a note on the decision")
    p.add_argument("--reason-code", help="why (one of STAGE8_REASON_CODES)")
    p = add_verb(sub, "rate", "give an attempt 1 to 5 stars", _rate, project=False)
    p.add_argument("--attempt", type=record_id, required=True, help="attempt id")
    stars = p.add_mutually_exclusive_group(required=True)
    stars.add_argument("--stars", type=int, choices=range(1, 6), help="1 to 5")
    stars.add_argument("--clear", action="store_true", help="remove the attempt's rating")
    add_verb(
        sub,
        "check",
        "assert the design's invariants; exit 1 listing violations",
        _check,
        json_flag=True,
        project=False,
    )
