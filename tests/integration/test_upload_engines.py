"""The libvips engine keeps every verdict of the Pillow-only pipeline and the stored shape.

Two corpora: the project's awkward uploads (`tests/upload_corpus.py`) and Pillow's own test
images with truncated copies (`tests/hostile_corpus.py`, fetched from the package index on
first use). For every file, `process(engine="auto")` (libvips for the pixel work where it takes
the file) must accept exactly what `process(engine="pillow")` accepts, refuse the rest with the
same message, and store the same shape: size, format, mode, orientation, thumbnail size, no
metadata, and pixels that differ by little on average (two resamplers never agree exactly).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from stage8.errors import InvalidImage
from stage8.images.pipeline import DEFAULT_LIMITS, ProcessedImage, process
from stage8.images.validate import format_of, open_checked, png_trailer_reads, prepare
from stage8.images.vips_engine import VipsFailed, process_with_vips, takes
from tests.hostile_corpus import pillow_test_images
from tests.upload_corpus import corpus

# Over two thousand files through both engines, and a 47 MB download on first use.
pytestmark = pytest.mark.timeout(900)

# Mean absolute difference per channel (0-255) between the engines' stored pictures.
MEAN_DIFFERENCE = 2.0


def outcome(data: bytes, engine: str) -> ProcessedImage | str:
    try:
        return process(data, engine=engine)
    except InvalidImage as refused:
        return f"refused: {refused}"


def shape(result: ProcessedImage) -> dict:
    with Image.open(io.BytesIO(result.data)) as stored:
        metadata = sorted(
            k for k in ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp") if stored.info.get(k)
        )
        return {
            "size": (result.width, result.height),
            "decoded size": stored.size,
            "mime": result.mime_type,
            "mode": stored.mode,
            "metadata": metadata,
            "original": (result.original_format, result.original_width, result.original_height),
            "thumb": (result.thumb_width, result.thumb_height),
        }


def mean_difference(a: bytes, b: bytes) -> float:
    with Image.open(io.BytesIO(a)) as one, Image.open(io.BytesIO(b)) as other:
        difference = ImageChops.difference(one.convert("RGBA"), other.convert("RGBA"))
        return max(ImageStat.Stat(difference).mean)


def compare(files: list[tuple[str, bytes]]) -> tuple[list[str], int]:
    """Every disagreement between the engines, and how many files were stored."""
    problems, stored = [], 0
    for name, data in files:
        reference, candidate = outcome(data, "pillow"), outcome(data, "auto")
        if isinstance(reference, str) or isinstance(candidate, str):
            if reference != candidate:
                problems.append(f"{name}: pillow {_brief(reference)} / auto {_brief(candidate)}")
            continue
        stored += 1
        if shape(reference) != shape(candidate):
            problems.append(f"{name}: pillow {shape(reference)} / auto {shape(candidate)}")
        elif (diff := mean_difference(reference.data, candidate.data)) > MEAN_DIFFERENCE:
            problems.append(f"{name}: pixels differ by {diff:.2f} on average")
    return problems, stored


def _brief(result: ProcessedImage | str) -> str:
    return result if isinstance(result, str) else "stored it"


def vips_made(data: bytes) -> ProcessedImage | None:
    """What the libvips engine alone makes of `data`, or None when it does not take it."""
    try:
        with open_checked(data, DEFAULT_LIMITS) as im:
            size = im.size
            prepare(im, format_of(im), data, DEFAULT_LIMITS, DEFAULT_LIMITS.max_edge)
            if not (takes(im) and png_trailer_reads(im)):
                return None
            edges = (DEFAULT_LIMITS.max_edge, DEFAULT_LIMITS.thumb_edge)
            return process_with_vips(im, data, size, edges, "auto")
    except (InvalidImage, VipsFailed):
        return None


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about some broken files
def test_the_project_corpus_gets_the_same_verdicts_and_shapes() -> None:
    files = [(f"{f.expect.case} ({f.filename!r})", f.data) for f in corpus()]

    problems, stored = compare(files)

    assert problems == []
    assert stored == sum(f.expect.outcome == "stored" for f in corpus())


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_pillows_test_images_get_the_same_verdicts_and_shapes() -> None:
    files = list(pillow_test_images())

    problems, stored = compare(files)

    assert problems == [], f"{len(problems)} of {len(files)} files differ"
    assert len(files) > 2000
    assert stored > 300  # the corpus is not all refusals


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_libvips_engine_does_the_pixel_work_for_intact_files() -> None:
    # Without this, an engine that always fell back to Pillow would pass the tests above. The
    # truncated copies are left out: libvips refuses most files cut short, and Pillow (which
    # reads a PNG without its last chunks) then decides, as the tests above check.
    intact = [(name, data) for name, data in pillow_test_images() if "#" not in name]
    accepted = [(name, data) for name, data in intact if not isinstance(outcome(data, "auto"), str)]

    by_vips = [(name, data, made) for name, data in accepted if (made := vips_made(data))]

    assert len(by_vips) >= 0.95 * len(accepted)
    for name, data, made in by_vips:
        assert process(data).data == made.data, name
