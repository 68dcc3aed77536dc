"""Verbs for the reviewer's choices: reference and use-master."""

from __future__ import annotations

import argparse

from stage8.cli.core import actor, add_instance_args, add_verb, desk, print_json, scene_number
from stage8.db.finders import find_instance
from stage8.decisions.reference_choice import use_reference
from stage8.decisions.references import reference_state
from stage8.decisions.use_master import scene_targets, use_master_bulk


def _reference(args: argparse.Namespace) -> int:
    d = desk()
    with d.read() as session:
        iid = find_instance(session, args.project, args.scene, args.asset).id
    if args.use is not None:
        change = use_reference(d, iid, args.use, actor=actor(args))
        print(change.message)
        return 0
    with d.read() as session:
        state = reference_state(session, iid)
    entries = [
        {
            "index": i + 1,
            "label": e.label,
            "source": e.source,
            "scene_numbers": list(e.scene_numbers),
            "image_id": e.image_id,
            "default": i == state.default_index,
            "effective": i == state.effective_index,
        }
        for i, e in enumerate(state.chain)
    ]
    summary = {
        "chain": entries,
        "is_default": state.is_default,
        "stale": state.stale,
        "stale_reason": state.stale_reason,
        "effective_image_id": state.effective_image_id,
    }
    if args.json:
        print_json(summary)
        return 0
    for e in entries:
        marks = " ".join(
            m for m, on in (("DEFAULT", e["default"]), ("EFFECTIVE", e["effective"])) if on
        )
        print(f"{e['index']}. {e['label']} (image {e['image_id']}) {marks}")
    print("Following the default." if state.is_default else "A reviewer chose this reference.")
    if state.stale:
        print(f"Stale: {state.stale_reason}.")
    return 0


def _use_master(args: argparse.Namespace) -> int:
    d = desk()
    targets = scene_targets(
        d, args.project, args.scene, assets=args.asset, unchanged=args.unchanged
    )
    names = dict(targets)
    results = use_master_bulk(d, list(names), on=not args.off, actor=actor(args))
    data = [
        {"asset": names[r.instance_id], "outcome": r.outcome, "message": r.message} for r in results
    ]
    if args.json:
        print_json(data)
    else:
        for row in data:
            print(f"{row['asset']}: {row['outcome']} — {row['message']}")
    return 0


def register(sub) -> None:
    p = add_verb(
        sub, "reference", "list or choose an asset's master reference", _reference, json_flag=True
    )
    add_instance_args(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="list the chain (the default)")
    group.add_argument("--use", help="'master', an earlier scene number, or 'default'")
    p = add_verb(
        sub,
        "use-master",
        "use the reference as-is (or --off) for assets of a scene",
        _use_master,
        json_flag=True,
    )
    p.add_argument("--scene", type=scene_number, required=True, help="scene number")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--asset", action="append", help="asset name (repeatable)")
    which.add_argument("--all", action="store_true", help="every asset of the scene")
    which.add_argument("--unchanged", action="store_true", help="assets unchanged from master")
    p.add_argument("--off", action="store_true", help="turn as-is off, keeping the image")
