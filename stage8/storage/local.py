"""The local folder backend: one file per object under a root folder.

Guarantees: a reader never sees a half-written object (writes go to a temporary file in the
same folder, are flushed to disk, then renamed over the target with os.replace); keys are
checked before any file-system access; every OSError becomes a StorageError naming the key.

Temporary files (`.<name>.<random>.tmp`) are invisible to `list`. A writer holds an exclusive
`flock` on its temporary file from just after creating it until it is renamed, so the ones a
killed process left behind (the kernel drops the lock with the process) can be told apart from
the ones being written now: `list_temporary` and `remove_temporary` serve the orphan sweep.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from stage8.errors import ObjectNotFound, StorageError
from stage8.storage.base import StoredObject
from stage8.storage.keys import validate_key, validate_prefix

_TEMP_PREFIX = "."  # keys never have dot-led segments, so temp files cannot collide with them
_TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"\.[A-Za-z0-9_-][A-Za-z0-9._-]*\.tmp")


class LocalStore:
    """Objects stored as files under `root` (created on first write)."""

    name = "local"

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write data under key atomically, replacing any previous object.

        content_type is not stored: the desk keeps each image's mime type in the database.
        """
        path = self._path(key)
        if not content_type:
            raise StorageError(f"No content type given for {key}; pass e.g. 'image/png'.")
        tmp_name: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(
                dir=path.parent, prefix=f"{_TEMP_PREFIX}{path.name}.", suffix=_TEMP_SUFFIX
            )
            with os.fdopen(fd, "wb") as fh:
                # Held until the rename: the orphan sweep never removes a locked temporary file.
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                fh.write(data)
                fh.flush()
                # The database row is written right after this returns; without fsync a crash
                # could leave a row pointing at an empty file.
                os.fsync(fh.fileno())
                os.replace(tmp_name, path)
            tmp_name = None
        except OSError as exc:
            raise self._error("write", key, exc) from exc
        finally:
            if tmp_name is not None:
                _unlink_quietly(tmp_name)

    def get(self, key: str) -> bytes:
        """Return the bytes stored under key; ObjectNotFound when there is no such object."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise self._not_found(key) from exc
        except OSError as exc:
            raise self._error("read", key, exc) from exc

    def exists(self, key: str) -> bool:
        """True when a file is stored under key."""
        path = self._path(key)
        try:
            return path.is_file()
        except OSError as exc:
            raise self._error("look up", key, exc) from exc

    def remove(self, keys: Iterable[str]) -> None:
        """Delete every key; absent keys are skipped. All keys are checked before any deletion."""
        paths = [(key, self._path(key)) for key in keys]
        for key, path in paths:
            try:
                path.unlink(missing_ok=True)
            except (IsADirectoryError, NotADirectoryError):
                continue  # a folder or a path through a file: no object under that key
            except OSError as exc:
                raise self._error("delete", key, exc) from exc
        # Empty folders are left in place: removing them would race with a concurrent put
        # that has just created the folder and is about to write into it.

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every object whose key starts with prefix, in key order, with size and UTC mtime."""
        validate_prefix(prefix)
        return self._walk(prefix, temporary=False)

    def list_temporary(self, prefix: str = "") -> Iterator[StoredObject]:
        """The temporary files under prefix (finished, abandoned or being written), as objects
        whose key is the file's path under the root, with size and UTC mtime."""
        validate_prefix(prefix)
        return self._walk(prefix, temporary=True)

    def is_temporary(self, key: str) -> bool:
        """True when key names a temporary file (as `list_temporary` gives them)."""
        folder, _, name = key.rpartition("/")
        if not _TEMP_NAME.fullmatch(name):
            return False
        try:
            validate_prefix(f"{folder}/" if folder else "")
        except StorageError:
            return False
        return True

    def remove_temporary(self, keys: Iterable[str]) -> list[str]:
        """Delete the temporary files under keys that no writer holds; return those deleted.

        A file is opened and locked without waiting first: a writer that is still writing holds
        the lock, and its file is skipped. Keys that are not temporary names are skipped too.
        """
        removed = []
        for key in keys:
            if self.is_temporary(key) and self._remove_abandoned(key):
                removed.append(key)
        return removed

    def _remove_abandoned(self, key: str) -> bool:
        path = self.root.joinpath(*key.split("/"))
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise self._error("open temporary file", key, exc) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False  # a writer holds it: being written now
        try:
            held, named = os.fstat(fd), os.lstat(path)
            if not stat.S_ISREG(held.st_mode) or (held.st_dev, held.st_ino) != (
                named.st_dev,
                named.st_ino,
            ):
                return False
            os.unlink(path)
            return True
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._error("delete temporary file", key, exc) from exc
        finally:
            os.close(fd)

    def signed_url(self, key: str, expires_in: int = 3600) -> str:
        """A file:// URI of the object (local files do not expire; expires_in is ignored)."""
        path = self._path(key)
        if not path.is_file():
            raise self._not_found(key)
        return path.resolve().as_uri()

    def _walk(self, prefix: str, *, temporary: bool) -> Iterator[StoredObject]:
        # Start from the deepest folder the prefix names fully, so listing one instance's
        # attempts does not walk the whole store.
        folder = prefix.rpartition("/")[0]
        start = self.root / folder if folder else self.root
        if not start.is_dir():
            return
        pending = [start]
        found: list[StoredObject] = []
        while pending:
            current = pending.pop()
            try:
                entries = list(os.scandir(current))
            except FileNotFoundError:
                continue  # removed while we walked
            except OSError as exc:
                raise StorageError(
                    f"Could not list the local image store folder {current}: {exc.strerror}. "
                    "Check that STAGE8_STORAGE_PATH is readable."
                ) from exc
            for entry in entries:
                is_temp = entry.name.startswith(_TEMP_PREFIX)
                if is_temp and not (temporary and entry.name.endswith(_TEMP_SUFFIX)):
                    continue
                key = Path(entry.path).relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False) and is_temp == temporary:
                    try:
                        stat = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    updated = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                    found.append(StoredObject(key=key, size=stat.st_size, updated_at=updated))
        yield from sorted(found, key=lambda obj: obj.key)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def _not_found(self, key: str) -> ObjectNotFound:
        return ObjectNotFound(f"No image is stored under {key} in the local store {self.root}.")

    def _error(self, action: str, key: str, exc: OSError) -> StorageError:
        reason = exc.strerror or str(exc)
        return StorageError(
            f"Could not {action} image {key} in the local store {self.root}: {reason}. "
            "Check that STAGE8_STORAGE_PATH points to a writable folder with free space."
        )


def _unlink_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
