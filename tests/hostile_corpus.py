"""A large public corpus of hostile images: the test images of Pillow's source distribution.

    python -m tests.hostile_corpus        # fetch (once) and say how many files there are

Pillow's `Tests/images` holds over a thousand files collected from bug reports and fuzzers:
truncated and broken streams, bad CRCs, odd modes, bombs, huge metadata, APNG and MPO edge
cases, and many formats the desk refuses. The sdist of the installed Pillow is fetched with pip
from the package index into `.stage8-test-cache/` (git-ignored) the first time and reused after.
Every PNG, JPEG and WebP file is also cut in half and cut 16 bytes short, since truncation is
what decoders disagree about most.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from functools import cache
from pathlib import Path

import PIL

from stage8.images.modes import sniff_format

CACHE = Path(__file__).resolve().parents[1] / ".stage8-test-cache"
_MEMBERS = "Tests/images/"
_PIP_DOWNLOAD = (
    sys.executable,
    "-m",
    "pip",
    "download",
    "--quiet",
    "--no-deps",
    "--no-binary",
    ":all:",
)


class CorpusUnavailable(RuntimeError):
    """The sdist could not be fetched (no network to the package index?)."""


def _images_folder(version: str) -> Path:
    folder = CACHE / f"pillow-{version}-images"
    done = folder / ".complete"
    if done.exists():
        return folder
    downloads = CACHE / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    sdist = downloads / f"pillow-{version}.tar.gz"
    if not sdist.exists():
        fetched = subprocess.run(
            [*_PIP_DOWNLOAD, f"pillow=={version}", "--dest", str(downloads)],
            capture_output=True,
            text=True,
            check=False,
        )
        if fetched.returncode != 0 or not sdist.exists():
            raise CorpusUnavailable(
                f"pip could not fetch the Pillow {version} sdist:\n{fetched.stderr[-2000:]}"
            )
    with tarfile.open(sdist) as archive:
        wanted = [m for m in archive.getmembers() if _MEMBERS in m.name and m.isfile()]
        archive.extractall(folder, members=wanted, filter="data")
    done.write_text(f"{len(wanted)} files\n")
    return folder


@cache
def pillow_test_images() -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of every file in the installed Pillow's Tests/images, plus two truncated
    copies (`#half`, `#short16`) of each PNG, JPEG and WebP among them; sorted by name."""
    folder = _images_folder(PIL.__version__)
    files: list[tuple[str, bytes]] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name == ".complete":
            continue
        name = path.relative_to(folder).as_posix().split(_MEMBERS, 1)[-1]
        data = path.read_bytes()
        files.append((name, data))
        if sniff_format(data) in ("PNG", "JPEG", "WEBP"):
            files.append((f"{name}#half", data[: len(data) // 2]))
            files.append((f"{name}#short16", data[:-16]))
    return tuple(files)


if __name__ == "__main__":
    print(f"{len(pillow_test_images())} files (with truncated copies) under {CACHE}")
