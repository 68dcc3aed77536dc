"""`export -o` writes regular files only (issue 11, item 5): a directory, a device, a named pipe
or a symbolic link to one is refused with exit 1 and a message, and is left exactly as it was;
new paths, regular files and links to regular files are written through a temporary file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from stage8.reads.export.stream import export_bytes
from tests.builders import project_with_scenes


def export_to(run, target: Path | str):
    return run("export", "--what", "attempts", "--format", "csv", "-o", str(target))


def identity(path: Path | str) -> tuple[int, int, int, int]:
    """What must not change: the node's type and mode, device number and inode."""
    st = os.lstat(path)
    return st.st_mode, st.st_rdev, st.st_ino, st.st_dev


def no_temporaries(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_refuses_anything_but_a_regular_file(desk, run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    pipe = out / "pipe.csv"
    os.mkfifo(pipe)
    folder = out / "folder.csv"
    folder.mkdir()
    to_pipe = out / "to-pipe.csv"
    to_pipe.symlink_to(pipe)
    dangling = out / "dangling.csv"
    dangling.symlink_to(out / "nowhere" / "x.csv")
    cases = {
        pipe: f"{pipe} is a named pipe (FIFO): export writes regular files only; to send",
        folder: f"{folder} is a directory: export writes regular files only; give a file name",
        to_pipe: f"{to_pipe} (a symbolic link to {pipe}) is a named pipe (FIFO)",
        dangling: f"{dangling} is a symbolic link to {out / 'nowhere' / 'x.csv'}, which does not",
        Path("/dev/null"): "/dev/null is a character device: export writes regular files only",
    }
    before = {path: identity(path) for path in cases}
    for path, message in cases.items():
        done = export_to(run, path)
        assert done.returncode == 1, (path, done.stderr)
        assert done.stderr.startswith(f"error: {message}"), done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
        assert identity(path) == before[path], path  # not replaced, not touched
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode) and not list(folder.iterdir())
    assert no_temporaries(out) and not (out / "nowhere").exists()


def test_writes_new_files_regular_files_and_links_to_them(desk, run, tmp_path):
    project_with_scenes(desk, scenes=1)
    want = export_bytes(desk, "attempts", "csv")
    fresh = tmp_path / "fresh.csv"
    assert export_to(run, fresh).returncode == 0
    assert fresh.read_bytes() == want
    old = tmp_path / "old.csv"
    old.write_bytes(b"stale")
    assert export_to(run, old).returncode == 0
    assert old.read_bytes() == want and stat.S_ISREG(os.lstat(old).st_mode)
    real = tmp_path / "real" / "data.csv"
    real.parent.mkdir()
    real.write_bytes(b"stale")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    done = export_to(run, link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == real  # the link stays a link
    assert real.read_bytes() == want
    assert no_temporaries(tmp_path) and no_temporaries(real.parent)
