"""The `cleanup` and `trash` verbs: print the cleanup plan, apply it, and manage the trash."""

from __future__ import annotations

import argparse
import sys

from stage8.cleanup.apply import apply_cleanup, plan_cleanup, purge_expired, purge_now
from stage8.cleanup.trash import list_trash
from stage8.cli.core import actor, add_verb, desk, print_json, record_id
from stage8.decisions.attempts import restore_attempt
from stage8.units import format_bytes, format_usd


def _plan_lines(plan) -> list[str]:
    age = f"unselected kept {plan.max_age_days} days" if plan.max_age_days else "no age limit"
    lines = [
        f"Cleanup plan (cap {plan.attempt_cap} live attempts per asset, {age}, "
        f"trash kept {plan.retention_days} days):"
    ]
    if plan.empty:
        return [*lines, "  Nothing to clean up."]
    for title, items, cost in (
        ("To the trash", plan.to_trash, plan.cost_trashed),
        ("To purge", plan.to_purge, plan.cost_purged),
    ):
        lines.append(f"  {title}: {len(items)} attempts ({format_usd(cost)} of generation)")
        lines += [
            f"    Scene {p.scene_number} · {p.asset_name} #{p.attempt_number} "
            f"(id {p.attempt_id}): {p.reason}"
            for p in items
        ]
    lines.append(
        f"  Objects deleted: {len(plan.objects)} ({len(plan.images)} images, "
        f"{len(plan.orphans)} orphans); {format_bytes(plan.bytes_freed)} "
        f"({plan.bytes_freed:,} bytes) freed"
    )
    lines.append("  Per scene:")
    lines += [
        f"    Scene {t.scene_number}{' (deleted)' if t.scene_deleted else ''}: "
        f"{t.to_trash} to trash, {t.to_purge} to purge, {t.images} images, "
        f"{format_bytes(t.bytes_freed)}, {format_usd(t.cost_usd)}"
        for t in plan.per_scene()
    ]
    return lines


def _cleanup(args: argparse.Namespace) -> int:
    d = desk()
    plan = plan_cleanup(d)
    if not args.apply:
        if args.json:
            print_json(plan.as_json())
        else:
            print("\n".join(_plan_lines(plan)))
            if not plan.empty:
                print("Dry run: nothing changed. Run with --apply to carry it out.")
        return 0
    result = apply_cleanup(d, plan, actor=actor(args))
    if args.json:
        print_json({"plan": plan.as_json(), "result": result.as_json()})
    else:
        print("\n".join(_plan_lines(plan)))
        print(result.message)
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)
    return 0 if result.complete else 1


def _say(args: argparse.Namespace, data: object, message: str) -> None:
    if args.json:
        print_json(data)
    else:
        print(message)


def _trash(args: argparse.Namespace) -> int:
    d = desk()
    if args.restore is not None:
        view = restore_attempt(d, args.restore, actor=actor(args))
        message = f"Attempt #{view.attempt_number} (id {view.id}) is back from the trash."
        _say(args, {"attempt_id": view.id, "message": message}, message)
        return 0
    if args.purge is not None:
        purged = purge_now(d, args.purge, actor=actor(args))
        if purged.error:
            # The rows are gone and the keys recorded for the next cleanup, but no bytes were
            # freed: say so, never "purged".
            if args.json:
                print_json(purged.as_json())
            print(
                f"error: attempt {purged.attempt_id} left the trash, but its stored images "
                f"could not be deleted yet: {purged.error} The next cleanup deletes them.",
                file=sys.stderr,
            )
            return 1
        _say(args, purged.as_json(), purged.message)
        return 0
    if args.purge_expired:
        result = purge_expired(d, actor=actor(args))
        _say(args, result.as_json(), result.message)
        for error in result.errors:
            print(f"error: {error}", file=sys.stderr)
        return 0 if result.complete else 1
    items = list_trash(d)
    if args.json:
        print_json([t.as_json() for t in items])
        return 0
    if not items:
        print("The trash is empty.")
    for t in items:
        due = f"kept: {t.held_reason}" if t.held_reason else f"purge due {t.purge_due:%Y-%m-%d}"
        deleted = " (scene deleted)" if t.scene_deleted else ""
        print(
            f"id {t.attempt_id}: Scene {t.scene_number}{deleted} · {t.asset_name} "
            f"#{t.attempt_number}, trashed {t.trashed_at:%Y-%m-%d %H:%M} UTC, "
            f"{format_bytes(t.image_bytes)}, {due}"
        )
    return 0


def register(sub) -> None:
    p = add_verb(
        sub,
        "cleanup",
        "show the cleanup plan (trash, purge, storage objects, bytes, cost); --apply does it",
        _cleanup,
        json_flag=True,
        project=False,
    )
    p.add_argument("--apply", action="store_true", help="carry the plan out (default: dry run)")
    p = add_verb(
        sub,
        "trash",
        "list, restore or purge trashed attempts",
        _trash,
        json_flag=True,
        project=False,
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="list trashed attempts")
    what.add_argument("--restore", type=record_id, metavar="ID", help="bring an attempt back")
    what.add_argument("--purge", type=record_id, metavar="ID", help="purge one trashed attempt now")
    what.add_argument(
        "--purge-expired",
        action="store_true",
        help="purge every attempt whose trash retention has ended",
    )
