"""The `upload` verb: add image files as uploaded attempts of an asset in a scene."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stage8.cli.core import actor, add_instance_args, add_verb, desk, print_json
from stage8.config import load_settings
from stage8.db.finders import find_instance
from stage8.decisions.uploads import upload_images
from stage8.errors import InvalidImage, NotARegularFile
from stage8.images.pipeline import byte_size

if TYPE_CHECKING:
    from stage8.decisions.uploads import UploadReport
    from stage8.decisions.views import AttemptView


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_upload_file(path: Path, limit: int) -> bytes:
    """The bytes of `path`, read only when it is a regular file of at most `limit` bytes.

    Never reads more than `limit` + 1 bytes and never blocks: the size and kind come from
    `fstat` of the opened file before any read. Raises NotARegularFile for folders, devices
    (`/dev/zero`), FIFOs and sockets, InvalidImage for a file over the limit, and OSError when
    the file cannot be opened.
    """
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; for a
    # regular file it changes nothing.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a file")
        raise NotARegularFile(f"it is {kind}, not a regular file")
    with os.fdopen(fd, "rb", buffering=0) as fh:
        data = b"" if info.st_size > limit else _read_at_most(fh, limit + 1)
    if info.st_size > limit or len(data) > limit:
        size = byte_size(max(info.st_size, len(data)))
        raise InvalidImage(
            f"it is {size}; the desk accepts files up to {byte_size(limit)} (STAGE8_MAX_UPLOAD_MB)"
        )
    return data


def _read_at_most(fh: Any, count: int) -> bytes:
    chunks, remaining = [], count
    while remaining > 0:
        chunk = fh.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_files(paths: list[Path], limit: int) -> tuple[list[tuple[str, bytes]], int]:
    """Every named file, or the exit code when one cannot be uploaded (each reason printed)."""
    files: list[tuple[str, bytes]] = []
    code = 0
    for path in paths:
        try:
            files.append((path.name, read_upload_file(path, limit)))
        except InvalidImage as exc:
            print(f"error: cannot upload {path}: {exc}.", file=sys.stderr)
            code = code or 1
        except NotARegularFile as exc:
            print(f"error: cannot upload {path}: {exc}.", file=sys.stderr)
            code = 2
        except OSError as exc:
            print(f"error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            code = 2
    if code:
        # Nothing is uploaded when a named file cannot be: the command line has to change.
        print("error: nothing was uploaded.", file=sys.stderr)
    return files, code


def _upload(args: argparse.Namespace) -> int:
    files, code = _read_files(args.files, load_settings().max_upload_bytes)
    if code:
        return code
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
