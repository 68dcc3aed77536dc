"""Storage keys are built from ids, numbers and hashes only, and always pass validate_key."""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stage8.errors import StorageError
from stage8.storage import validate_key, validate_prefix
from stage8.storage.keys import (
    ATTEMPT_KINDS,
    IMAGE_EXTENSIONS,
    attempt_key,
    content_addressed_key,
    content_addressed_thumb_key,
    master_key,
    rendition_key,
    rendition_thumb_key,
    thumb_key,
)

SHA = hashlib.sha256(b"an image").hexdigest()
SHA12 = SHA[:12]


def test_master_key() -> None:
    assert master_key(3, 41, SHA, "png") == f"project_3/assets/41/master_{SHA12}.png"


@pytest.mark.parametrize("kind", sorted(ATTEMPT_KINDS))
def test_attempt_key(kind: str) -> None:
    assert attempt_key(3, 9, 27, kind, 4, SHA, "webp") == (
        f"project_3/scene_9/scene-assets/{kind}/27/4_{SHA12}.webp"
    )


def test_attempt_key_accepts_the_uploaded_source_name() -> None:
    assert "/scene-assets/uploads/" in attempt_key(1, 1, 1, "uploaded", 1, SHA, "png")


def test_content_addressed_keys() -> None:
    assert content_addressed_key(3, SHA, "jpg") == f"project_3/images/{SHA[:2]}/{SHA}.jpg"
    assert content_addressed_thumb_key(3, SHA) == f"project_3/images/{SHA[:2]}/{SHA}.thumb.jpg"
    for ext in IMAGE_EXTENSIONS:
        assert thumb_key(content_addressed_key(3, SHA, ext)) == content_addressed_thumb_key(3, SHA)


def test_thumb_key_replaces_the_extension() -> None:
    key = attempt_key(1, 2, 3, "generated", 5, SHA, "png")
    assert thumb_key(key) == key.removesuffix(".png") + ".thumb.jpg"
    assert thumb_key("top.webp") == "top.thumb.jpg"


@pytest.mark.parametrize("bad", ["project_1/a.thumb.jpg", "project_1/noext", "../x.png", "a/.png"])
def test_thumb_key_rejects_keys_it_cannot_derive_from(bad: str) -> None:
    with pytest.raises((ValueError, StorageError)):
        thumb_key(bad)


def test_extension_is_normalised() -> None:
    assert master_key(1, 1, SHA, ".PNG").endswith(".png")
    assert master_key(1, 1, SHA.upper(), "png") == master_key(1, 1, SHA, "png")


@pytest.mark.parametrize(
    "ext", ["", "exe", "png/../x", "my photo.png", "png?", "thumb.jpg", "PNG ", None]
)
def test_bad_extensions_are_refused(ext: str) -> None:
    with pytest.raises(ValueError, match="ext"):
        master_key(1, 1, SHA, ext)


@pytest.mark.parametrize("sha", ["holiday.png", SHA[:63], SHA + "0", "z" * 64, "", None])
def test_anything_but_a_sha256_is_refused(sha: str) -> None:
    # A file name passed where the hash belongs must never end up in a key.
    with pytest.raises(ValueError, match="sha256"):
        attempt_key(1, 1, 1, "uploads", 1, sha, "png")


@pytest.mark.parametrize("bad_id", [0, -1, True, "3", 1.0, None])
def test_ids_must_be_positive_integers(bad_id: object) -> None:
    with pytest.raises(ValueError, match="positive whole number"):
        master_key(bad_id, 1, SHA, "png")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive whole number"):
        attempt_key(1, 1, 1, "generated", bad_id, SHA, "png")  # type: ignore[arg-type]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind"):
        attempt_key(1, 1, 1, "../../etc", 1, SHA, "png")


ATTEMPT_SHAPE = re.compile(
    r"project_[1-9]\d*/scene_[1-9]\d*/scene-assets/(generated|uploads|master_copy|legacy)/"
    r"[1-9]\d*/[1-9]\d*_[0-9a-f]{12}\.[a-z]+"
)


@given(
    ids=st.tuples(*[st.integers(min_value=1, max_value=10**12)] * 4),
    kind=st.sampled_from(sorted(ATTEMPT_KINDS)),
    content=st.binary(max_size=64),
    ext=st.sampled_from(sorted(IMAGE_EXTENSIONS)),
)
def test_every_key_has_the_fixed_shape(
    ids: tuple[int, int, int, int], kind: str, content: bytes, ext: str
) -> None:
    project_id, scene_id, instance_id, number = ids
    sha = hashlib.sha256(content).hexdigest()
    key = attempt_key(project_id, scene_id, instance_id, kind, number, sha, ext)
    assert ATTEMPT_SHAPE.fullmatch(key)
    assert validate_key(key) == key
    assert validate_key(thumb_key(key)) == thumb_key(key)


def test_validate_key_and_prefix() -> None:
    assert validate_prefix("") == ""
    assert validate_prefix("project_1/") == "project_1/"
    for bad in ("", "project_1/", "/a", "a\\b", "a/../b", "a//b", "a b", ".x"):
        with pytest.raises(StorageError, match="Invalid storage key"):
            validate_key(bad)
    with pytest.raises(StorageError):
        validate_key(3)  # type: ignore[arg-type]


def test_rendition_key_is_the_same_from_the_image_and_its_thumbnail() -> None:
    key = content_addressed_key(3, SHA, "webp")
    stem = f"project_3/images/{SHA[:2]}/{SHA}"
    assert rendition_key(key, 520) == f"{stem}.w520.jpg"
    assert rendition_key(thumb_key(key), 520) == f"{stem}.w520.jpg"
    assert rendition_key("top.png", 160) == "top.w160.jpg"
    assert rendition_thumb_key(rendition_key(key, 260)) == thumb_key(key)
    assert rendition_thumb_key(key) is None and rendition_thumb_key(thumb_key(key)) is None


@pytest.mark.parametrize(
    ("bad", "width"),
    [("project_1/a.w520.jpg", 260), ("project_1/noext", 520), ("../x.png", 520), ("a.png", 0)],
)
def test_rendition_key_rejects_keys_it_cannot_derive_from(bad: str, width: int) -> None:
    with pytest.raises((ValueError, StorageError)):
        rendition_key(bad, width)
