"""Storage keys: what a valid key is, and keys built only from ids, attempt numbers, content
hashes and a checked extension.

No user-supplied text (file names, asset names, prompts) ever reaches a key, so keys are safe
in URLs and file systems and never leak what a reviewer typed or uploaded. Every function
returns a key that passes `validate_key`. Bad input (an id that is not a positive int, text
that is not a sha256, an extension outside IMAGE_EXTENSIONS) raises ValueError: the callers
derive these values themselves, so it is a programming error, not a reviewer's.
"""

from __future__ import annotations

import re

from stage8.errors import StorageError

__all__ = [
    "ATTEMPT_KINDS",
    "IMAGE_EXTENSIONS",
    "THUMB_SUFFIX",
    "attempt_key",
    "content_addressed_key",
    "content_addressed_thumb_key",
    "master_key",
    "rendition_key",
    "rendition_thumb_key",
    "thumb_key",
    "validate_key",
    "validate_prefix",
]

IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "webp", "gif", "avif", "bmp", "tif", "tiff"})
ATTEMPT_KINDS = frozenset({"generated", "uploads", "master_copy", "legacy"})
# The attempt `source` column says "uploaded"; its folder has always been "uploads".
_KIND_ALIASES = {"uploaded": "uploads"}
THUMB_SUFFIX = ".thumb.jpg"
_RENDITION_NAME = re.compile(r"(?P<stem>.*)\.w[0-9]+\.jpg")

_SHA256 = re.compile(r"[0-9a-f]{64}")

MAX_KEY_LENGTH = 1024  # Supabase Storage's limit on object names, applied to every backend
_ALLOWED = re.compile(r"[A-Za-z0-9._/-]*")


def validate_prefix(prefix: str) -> str:
    """Return prefix unchanged when it is a safe start of a key ("" lists everything).

    Raises StorageError for absolute paths, backslashes, '//', '.' or '..' segments, segments
    starting with '.', and characters outside [A-Za-z0-9._/-].
    """
    if not isinstance(prefix, str):
        raise StorageError(f"A storage key must be text, got {type(prefix).__name__}.")
    problem = _problem(prefix)
    if problem:
        raise StorageError(f"Invalid storage key {prefix!r}: {problem}.")
    return prefix


def validate_key(key: str) -> str:
    """Return key unchanged when it names an object; raise StorageError saying what is wrong.

    On top of the prefix rules a key must be non-empty and must not end with '/'.
    """
    validate_prefix(key)
    if key == "":
        raise StorageError("Invalid storage key '': a key must not be empty.")
    if key.endswith("/"):
        raise StorageError(f"Invalid storage key {key!r}: it names a folder, not an object.")
    return key


def _problem(text: str) -> str | None:
    if len(text) > MAX_KEY_LENGTH:
        return f"longer than {MAX_KEY_LENGTH} characters"
    if "\\" in text:
        return "backslashes are not allowed, use '/'"
    if text.startswith("/"):
        return "it must be relative (no leading '/')"
    if "//" in text:
        return "empty path segment ('//')"
    if not _ALLOWED.fullmatch(text):
        return "only letters, digits, '.', '_', '-' and '/' are allowed"
    # Dot-led segments are reserved: they cover '.' and '..' and keep the local backend's
    # temporary files (which start with '.') out of the key space.
    if any(segment.startswith(".") for segment in text.split("/")):
        return "a path segment must not start with '.' (no '.', '..' or hidden names)"
    return None


def master_key(project_id: int, asset_id: int, sha256: str, ext: str) -> str:
    """`project_<pid>/assets/<asset_id>/master_<sha12>.<ext>`."""
    pid, aid = _id("project_id", project_id), _id("asset_id", asset_id)
    return validate_key(f"project_{pid}/assets/{aid}/master_{_sha(sha256)[:12]}.{_ext(ext)}")


def attempt_key(
    project_id: int,
    scene_id: int,
    instance_id: int,
    kind: str,
    attempt_number: int,
    sha256: str,
    ext: str,
) -> str:
    """`project_<pid>/scene_<sid>/scene-assets/<kind>/<instance_id>/<n>_<sha12>.<ext>`.

    kind is one of ATTEMPT_KINDS; the attempt source "uploaded" is accepted for "uploads".
    """
    pid, sid = _id("project_id", project_id), _id("scene_id", scene_id)
    iid, number = _id("instance_id", instance_id), _id("attempt_number", attempt_number)
    folder = _KIND_ALIASES.get(kind, kind)
    if folder not in ATTEMPT_KINDS:
        raise ValueError(f"kind must be one of {sorted(ATTEMPT_KINDS)}, got {kind!r}")
    name = f"{number}_{_sha(sha256)[:12]}.{_ext(ext)}"
    return validate_key(f"project_{pid}/scene_{sid}/scene-assets/{folder}/{iid}/{name}")


def content_addressed_key(project_id: int, sha256: str, ext: str) -> str:
    """`project_<pid>/images/<sha[:2]>/<sha>.<ext>`: one object per distinct content."""
    return validate_key(f"{_image_stem(project_id, sha256)}.{_ext(ext)}")


def content_addressed_thumb_key(project_id: int, sha256: str) -> str:
    """`project_<pid>/images/<sha[:2]>/<sha>.thumb.jpg`, whatever the image's extension."""
    return validate_key(f"{_image_stem(project_id, sha256)}{THUMB_SUFFIX}")


def _image_stem(project_id: int, sha256: str) -> str:
    digest = _sha(sha256)
    return f"project_{_id('project_id', project_id)}/images/{digest[:2]}/{digest}"


def thumb_key(image_key: str) -> str:
    """The image key with its extension replaced by `.thumb.jpg`."""
    validate_key(image_key)
    if image_key.endswith(THUMB_SUFFIX):
        raise ValueError(f"{image_key!r} is already a thumbnail key")
    folder, _, name = image_key.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        raise ValueError(f"{image_key!r} has no extension to replace")
    _ext(ext)
    return validate_key(f"{folder}/{stem}{THUMB_SUFFIX}" if folder else f"{stem}{THUMB_SUFFIX}")


def rendition_key(image_key: str, width: int) -> str:
    """The JPEG of an image at `width` px: `<folder>/<stem>.w<width>.jpg`, beside the image.

    image_key may be the image's key or its thumbnail key (both share the stem), so a page that
    only knows the thumbnail finds the same renditions.
    """
    validate_key(image_key)
    folder, _, name = image_key.rpartition("/")
    if _RENDITION_NAME.fullmatch(name):
        raise ValueError(f"{image_key!r} is already a rendition key")
    if name.endswith(THUMB_SUFFIX):
        stem = name.removesuffix(THUMB_SUFFIX)
    else:
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            raise ValueError(f"{image_key!r} has no extension to replace")
        _ext(ext)
    renamed = f"{stem}.w{_id('width', width)}.jpg"
    return validate_key(f"{folder}/{renamed}" if folder else renamed)


def rendition_thumb_key(key: str) -> str | None:
    """For a rendition key, the thumbnail key of the same image (they share the stem); else None."""
    folder, slash, name = key.rpartition("/")
    match = _RENDITION_NAME.fullmatch(name)
    if match is None or not match["stem"]:
        return None
    return f"{folder}{slash}{match['stem']}{THUMB_SUFFIX}"


def _id(name: str, value: int) -> int:
    # bool is an int subclass; True as an id is always a bug upstream.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return value


def _sha(value: str) -> str:
    digest = value.lower() if isinstance(value, str) else ""
    if not _SHA256.fullmatch(digest):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {value!r}")
    return digest


def _ext(value: str) -> str:
    ext = value.lower().removeprefix(".") if isinstance(value, str) else ""
    if ext not in IMAGE_EXTENSIONS:
        raise ValueError(f"ext must be one of {sorted(IMAGE_EXTENSIONS)}, got {value!r}")
    return ext
