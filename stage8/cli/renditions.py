"""The `renditions` verb: make the display-size JPEGs of images stored before they existed."""

from __future__ import annotations

import argparse
import dataclasses

from stage8.cli.core import add_verb, desk, print_json
from stage8.images.renditions import backfill


def _renditions(args: argparse.Namespace) -> int:
    if not args.backfill:
        print("Nothing to do: add --backfill to make the renditions images are missing.")
        return 0
    report = backfill(desk())
    if args.json:
        print_json(dataclasses.asdict(report))
        return 0
    print(
        f"Renditions made for {report.made} images, {report.skipped} skipped (already had them)"
        + (f", {report.gone} gone meanwhile" if report.gone else "")
        + "."
    )
    return 0


def register(sub) -> None:
    p = add_verb(
        sub,
        "renditions",
        "make each image's JPEGs at the widths pages show it (--backfill: older images)",
        _renditions,
        json_flag=True,
        project=False,
    )
    p.add_argument(
        "--backfill",
        action="store_true",
        help="make the missing renditions of every stored image (idempotent, resumable)",
    )
