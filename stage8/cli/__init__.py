"""The command line: `python -m stage8 <verb>`.

Each module in this package adds its verbs with `register(sub)` and handles them with the
functions it returns. Exit 0 on success, 1 on a domain error (one line on stderr), 2 on usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError

from stage8.cli import cleanup, core, decisions, export, generation, reviewers, upload
from stage8.errors import Stage8Error

MODULES = [core, generation, decisions, upload, export, cleanup, reviewers]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stage8", description="Stage 8 Review Desk")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except Stage8Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(
            f"error: the database is unreachable or busy ({reason}); check STAGE8_DATABASE_URL "
            "and try again.",
            file=sys.stderr,
        )
        return 1
