"""The `similarity` verb: how alike two image files look, as the desk scores continuity."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from stage8.cli.core import add_verb, desk, print_json
from stage8.cli.upload import read_upload_file
from stage8.config import load_settings
from stage8.decisions import continuity
from stage8.errors import InvalidImage, NotARegularFile
from stage8.images.similarity import Fingerprint, compare, fingerprint_bytes

PARTS = ("perceptual", "gradient", "colour", "structure")


def _fingerprint(path: Path, limit: int) -> Fingerprint | None:
    """The file's fingerprint, or None after saying on stderr why it cannot be scored."""
    try:
        return fingerprint_bytes(read_upload_file(path, limit))
    except (InvalidImage, NotARegularFile) as exc:
        print(f"error: cannot score {path}: {exc}.", file=sys.stderr)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
    return None


def _similarity(args: argparse.Namespace) -> int:
    limit = load_settings().max_upload_bytes
    a, b = _fingerprint(args.a, limit), _fingerprint(args.b, limit)
    if a is None or b is None:
        return 1
    result = compare(a, b)
    if args.json:
        print_json({"a": str(args.a), "b": str(args.b), **result.as_json()})
        return 0
    print(f"Similarity {result.score}/100")
    for part in PARTS:
        print(f"  {part:<11} {getattr(result, part):.2f}")
    return 0


def register(sub) -> None:
    p = add_verb(
        sub,
        "similarity",
        "score how alike two image files look (0-100, with its four parts)",
        _similarity,
        json_flag=True,
        project=False,
    )
    p.add_argument("a", type=Path, help="an image file (PNG, JPEG or WebP)")
    p.add_argument("b", type=Path, help="another image file")
    register_continuity(sub)


def _continuity(args: argparse.Namespace) -> int:
    if not args.backfill:
        print("Nothing to do: add --backfill to score the attempts that have no score yet.")
        return 0
    report = continuity.backfill(desk())
    if args.json:
        print_json(dataclasses.asdict(report))
        return 0
    print(
        f"Continuity scored for {report.scored} attempt/reference pairs"
        + (f"; {report.unavailable} images could not be read" if report.unavailable else "")
        + "."
    )
    return 0


def register_continuity(sub) -> None:
    p = add_verb(
        sub,
        "continuity",
        "score attempts against their references (--backfill: every attempt without a score)",
        _continuity,
        json_flag=True,
        project=False,
    )
    p.add_argument(
        "--backfill",
        action="store_true",
        help="score every live attempt that has no score yet (idempotent, resumable)",
    )
