"""The export verb: `python -m stage8 export --what attempts --format parquet -o FILE`.

The file is written under a temporary name beside the target and renamed when complete, so a
failed export never leaves a partial file behind. Only regular files are written: a target that
is a directory, a device, a named pipe or a socket (or a symbolic link to one) is refused before
anything is exported, so the rename can never replace, say, /dev/null. A symbolic link to a
regular file is written through (the link stays). `-o -` writes to standard output.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from stage8.cli.core import scene_number
from stage8.db.models import ASSET_TYPES, ATTEMPT_SOURCES
from stage8.desk import open_desk
from stage8.errors import InvalidInput, NotARegularFile
from stage8.reads.export.stream import FORMATS, ExportFilters, export_table


def _when(text: str) -> date | datetime:
    """A date (whole UTC day) or an ISO 8601 time; a time without an offset is UTC."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2024-05-31) or an ISO 8601 time (2024-05-31T18:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".")
    return {"xls": "xlsx", "ndjson": "jsonl", "pq": "parquet"}.get(suffix, suffix) or "csv"


def _export(args: argparse.Namespace) -> int:
    fmt = _format_of(args)
    if fmt not in FORMATS:
        args.parser.error(f"cannot tell the format from {args.output!r}: give --format")
    filters = ExportFilters(
        project=args.project,
        scene_from=args.scene_from,
        scene_to=args.scene_to,
        asset_type=args.asset_type,
        asset_name=args.asset,
        source=args.source,
        selected_only=args.selected_only,
        date_from=args.since,
        date_to=args.until,
        include_trashed=args.include_trashed,
    )
    unsupported = filters.unsupported_for(args.what)
    if unsupported:
        flags = ", ".join("--" + name.replace("_", "-") for name in unsupported)
        args.parser.error(f"{flags} cannot filter {args.what}")
    target = None if args.output == "-" else writable_target(Path(args.output))
    desk = open_desk()
    if target is None:
        count = export_table(desk, args.what, fmt, sys.stdout.buffer, filters)
    else:
        count = _to_file(target, lambda out: export_table(desk, args.what, fmt, out, filters))
    where = "standard output" if args.output == "-" else args.output
    print(f"Wrote {count} {args.what} rows to {where}.", file=sys.stderr)
    return 0


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def writable_target(path: Path) -> Path:
    """The regular file an export may replace: `path` itself when it does not exist yet, the
    file it names (through symbolic links) when that is a regular file. Anything else is
    refused with a message, before any row is read."""
    try:
        mode = os.stat(path).st_mode  # follows symbolic links
    except FileNotFoundError:
        if path.is_symlink():
            raise NotARegularFile(
                f"{path} is a symbolic link to {os.readlink(path)}, which does not exist: "
                "give the path of a file to write."
            ) from None
        return path
    except OSError as exc:
        raise InvalidInput(f"Cannot write {path}: {exc.strerror}.") from None
    if stat.S_ISREG(mode):
        return Path(os.path.realpath(path))
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    link = f" (a symbolic link to {os.path.realpath(path)})" if path.is_symlink() else ""
    hint = (
        f"give a file name inside it, e.g. {path / 'export.csv'}"
        if stat.S_ISDIR(mode)
        else "to send the export there, use -o - and redirect standard output"
    )
    raise NotARegularFile(f"{path}{link} is {what}: export writes regular files only; {hint}.")


def _to_file(target: Path, write: Callable[[BinaryIO], int]) -> int:
    """Write through a temporary file beside `target` (a path from `writable_target`), renamed
    into place when complete."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InvalidInput(f"Cannot write {target}: {exc.strerror}.") from None
    try:
        with os.fdopen(fd, "wb") as out:
            count = write(out)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        writable_target(target)  # again: the path may have changed while the rows were written
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise InvalidInput(f"Cannot write {target}: {exc.strerror or exc}.") from None
        raise
    return count


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export attempts, instances or decision events to a file",
        description="Export a table in CSV, Parquet, Excel or JSON Lines; the columns are "
        "described in docs/export_schema.md. Prints the row count on stderr.",
    )
    p.add_argument("--what", choices=["attempts", "instances", "events"], required=True)
    p.add_argument(
        "--format",
        choices=["csv", "parquet", "xlsx", "jsonl"],
        help="file format (default: from the file name's extension, else csv)",
    )
    p.add_argument("-o", "--output", required=True, help="regular file to write, or - for stdout")
    p.add_argument("--project", help="only this project (default: every project)")
    p.add_argument("--scene-from", type=scene_number, metavar="N", help="first scene number")
    p.add_argument("--scene-to", type=scene_number, metavar="N", help="last scene number")
    p.add_argument("--asset-type", choices=ASSET_TYPES)
    p.add_argument("--asset", metavar="NAME", help="only this asset (by name)")
    p.add_argument(
        "--source",
        choices=ATTEMPT_SOURCES,
        help="attempt source (instances: of the selected attempt; events: of their attempt)",
    )
    p.add_argument(
        "--selected-only",
        action="store_true",
        help="attempts: only selected ones; instances: only decided ones",
    )
    p.add_argument(
        "--since", type=_when, metavar="WHEN", help="from this date or time (UTC, inclusive)"
    )
    p.add_argument(
        "--until",
        type=_when,
        metavar="WHEN",
        help="to this date (inclusive) or time (exclusive), UTC",
    )
    p.add_argument(
        "--include-trashed", action="store_true", help="attempts: also those in the trash"
    )
    p.set_defaults(handler=_export, parser=p)
