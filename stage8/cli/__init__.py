"""The command line: `python -m stage8 <verb>`.

Each module in this package adds its verbs with `register(sub)` and handles them with the
functions it returns. Exit 0 on success, 1 on a domain error (one line on stderr), 2 on usage.
Every message is passed through `stage8.config.redact`, so no secret reaches the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence

from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from stage8.cli import (
    cleanup,
    core,
    decisions,
    export,
    generation,
    renditions,
    reviewers,
    similarity,
    upload,
)
from stage8.config import install_log_redaction, redact
from stage8.errors import Stage8Error

MODULES = [core, generation, decisions, upload, export, cleanup, reviewers, renditions, similarity]
DEBUG_ENV = "STAGE8_DEBUG"  # set to 1 to see the (redacted) traceback of an unexpected error
log = logging.getLogger("stage8.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stage8", description="Stage 8 Review Desk")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    install_log_redaction()
    args = build_parser().parse_args(argv)
    try:
        status = args.handler(args)
        sys.stdout.flush()  # here, so a reader that went away is noticed inside this try
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:
        _fail("interrupted (Ctrl-C).")
        return 130
    except Stage8Error as exc:
        return _fail(str(exc), exc.exit_code)
    except (OperationalError, InterfaceError) as exc:
        return _fail(
            f"the database is unreachable or refused the connection ({_first_line(exc)}); "
            "check STAGE8_DATABASE_URL and that the server is running, then try again."
        )
    except Exception as exc:
        return _unexpected(exc)


def _first_line(exc: BaseException) -> str:
    """The driver's own first line (never SQLAlchemy's SQL text and parameters)."""
    cause = getattr(exc, "orig", None) if isinstance(exc, SQLAlchemyError) else None
    lines = str(cause or exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _fail(message: str, code: int = 1) -> int:
    """One line on stderr, secrets masked; exit status `code` (1: a domain error)."""
    line = " ".join(redact(message).split())
    with contextlib.suppress(BrokenPipeError):  # nobody left to read it
        print(f"error: {line}", file=sys.stderr)
    return code


def _unexpected(exc: BaseException) -> int:
    if os.environ.get(DEBUG_ENV) == "1":
        print(redact(traceback.format_exc()), file=sys.stderr, end="")
    return _fail(
        f"unexpected {type(exc).__name__}: {_first_line(exc)}. This is a bug in the desk; run "
        f"the command again with {DEBUG_ENV}=1 to see the details and report them."
    )


def _stdout_closed() -> int:
    """The reader of our output went away (`... | head`): stop quietly, like other commands.

    stdout is pointed at /dev/null so that the interpreter's final flush does not raise again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141  # 128 + SIGPIPE, what a shell reports for a command stopped by a closed pipe
