"""The `upload` verb looks at what a path is before reading it: sparse giants, FIFOs, devices and
folders are refused from `fstat`, and no more than the limit + 1 byte is ever read."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from stage8.cli.upload import read_upload_file
from stage8.decisions.attempts import list_attempts
from stage8.errors import InvalidImage, NotARegularFile
from tests.builders import png, project_with_scenes

GB = 1024**3


@pytest.fixture
def hero(desk) -> int:
    return project_with_scenes(desk, scenes=1)["instances"][(1, "Hero")]


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)  # no blocks are written: a hole of `size` bytes
    return path


def upload(run, *paths: Path):
    return run("upload", "--scene", "1", "--asset", "Hero", *map(str, paths))


def test_a_sparse_file_over_the_limit_is_refused_without_reading_it(tmp_path) -> None:
    big = sparse(tmp_path / "big.png", 3 * GB)

    tracemalloc.start()
    try:
        with pytest.raises(InvalidImage) as refused:
            read_upload_file(big, 25 * 1024 * 1024)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert str(refused.value) == (
        "it is 3.0 GB; the desk accepts files up to 25.0 MB (STAGE8_MAX_UPLOAD_MB)"
    )
    assert peak < 1024 * 1024


def test_at_most_the_limit_is_read(tmp_path) -> None:
    exact = tmp_path / "exact.png"
    exact.write_bytes(b"x" * 1000)
    over = tmp_path / "over.png"
    over.write_bytes(b"x" * 1001)

    assert read_upload_file(exact, 1000) == b"x" * 1000
    with pytest.raises(InvalidImage, match="it is 1001 bytes; the desk accepts files up to 1000"):
        read_upload_file(over, 1000)


def test_the_command_refuses_a_giant_and_uploads_nothing(desk, run, hero, tmp_path) -> None:
    ok = tmp_path / "ok.png"
    ok.write_bytes(png(1))
    big = sparse(tmp_path / "big.png", 3 * GB)

    result = upload(run, ok, big)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: cannot upload {big}: it is 3.0 GB; the desk accepts files up to 25.0 MB "
        "(STAGE8_MAX_UPLOAD_MB).",
        "error: nothing was uploaded.",
    ]
    assert list_attempts(desk, hero) == []


@pytest.mark.timeout(60)
def test_a_fifo_is_refused_without_waiting_for_a_writer(desk, run, hero, tmp_path) -> None:
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)

    result = upload(run, pipe)

    assert result.returncode == 2
    assert f"cannot upload {pipe}: it is a named pipe (FIFO), not a regular file." in result.stderr
    assert list_attempts(desk, hero) == []


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "a device"), ("folder", "a folder")])
def test_devices_and_folders_are_refused(desk, run, hero, tmp_path, path, kind) -> None:
    target = Path(path) if path.startswith("/") else tmp_path / path
    target.mkdir(exist_ok=True) if path == "folder" else None

    result = upload(run, target)

    assert result.returncode == 2
    assert f"cannot upload {target}: it is {kind}, not a regular file." in result.stderr
    assert "Traceback" not in result.stderr
    assert list_attempts(desk, hero) == []


def test_not_a_regular_file_is_a_named_error(tmp_path) -> None:
    with pytest.raises(NotARegularFile, match="a folder"):
        read_upload_file(tmp_path, 1000)
    with pytest.raises(FileNotFoundError):
        read_upload_file(tmp_path / "missing.png", 1000)
