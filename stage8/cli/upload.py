"""The `upload` verb: add image files as uploaded attempts of an asset in a scene."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stage8.cli.core import actor, add_instance_args, add_verb, desk, print_json
from stage8.db.finders import find_instance
from stage8.decisions.uploads import upload_images

if TYPE_CHECKING:
    from stage8.decisions.uploads import UploadReport
    from stage8.decisions.views import AttemptView


def _upload(args: argparse.Namespace) -> int:
    files: list[tuple[str, bytes]] = []
    for path in args.files:
        try:
            files.append((path.name, path.read_bytes()))
        except OSError as exc:
            # Nothing is uploaded when a named file cannot be read: the command line is wrong.
            print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    d = desk()
    with d.read() as session:
        instance_id = find_instance(session, args.project, args.scene, args.asset).id
    report = upload_images(
        d, instance_id, files, actor=actor(args), select="none" if args.no_select else "last"
    )
    for result in report.rejected:
        print(f"error: {result.message}", file=sys.stderr)
    if args.json:
        print_json(_as_json(report))
    else:
        for result in report.results:
            if result.outcome != "rejected":
                print(f"id {result.attempt_id}: {result.message}")
        print(report.message)
    return 1 if report.rejected else 0


def _as_json(report: UploadReport) -> dict[str, Any]:
    def attempt(a: AttemptView | None) -> dict[str, Any] | None:
        if a is None:
            return None
        original = {
            "original_byte_size": a.original_byte_size,
            "original_format": a.original_format,
            "original_width": a.original_width,
            "original_height": a.original_height,
            "stored_format": a.extra.get("stored_format"),
        }
        return {**a.as_json(), **original}

    return {
        "instance_id": report.instance_id,
        "selected_attempt_id": report.selected_attempt_id,
        "message": report.message,
        "files": [
            {
                "file": r.filename,
                "outcome": r.outcome,
                "message": r.message,
                "restored": r.restored,
                "attempt": attempt(r.attempt),
            }
            for r in report.results
        ],
        "evicted": [e.as_json() for e in report.evicted],
    }


def register(sub) -> None:
    p = add_verb(
        sub,
        "upload",
        "add image files (PNG, JPEG, WebP) as uploaded attempts of an asset in a scene",
        _upload,
        json_flag=True,
    )
    add_instance_args(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="image files to upload")
    p.add_argument(
        "--no-select",
        action="store_true",
        help="keep the current selection (default: the last accepted file becomes selected)",
    )
