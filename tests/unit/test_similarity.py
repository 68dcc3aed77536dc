"""Visual similarity on hand-made pairs: same subject varied scores high, other subjects low."""

import io
import json

import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from stage8.cli import main
from stage8.errors import InvalidImage
from stage8.images.similarity import compare, fingerprint, similarity

PARTS = ("perceptual", "gradient", "colour", "structure")


def scene(sky, ground, shapes) -> Image.Image:
    im = Image.new("RGB", (480, 360), sky)
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 220, 480, 360], fill=ground)
    for kind, box, colour in shapes:
        getattr(draw, kind)(box, fill=colour)
    return im


HERO = scene(
    (120, 170, 230),
    (60, 140, 60),
    [
        ("ellipse", (180, 60, 300, 180), (230, 190, 150)),
        ("rectangle", (200, 170, 280, 320), (200, 40, 40)),
    ],
)
OTHER = scene(
    (40, 30, 60),
    (150, 120, 90),
    [
        ("rectangle", (20, 40, 160, 300), (250, 230, 40)),
        ("ellipse", (300, 200, 460, 350), (20, 80, 200)),
    ],
)


def png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def jpeg(im: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def score(a: Image.Image, b: Image.Image):
    return compare(fingerprint(a), fingerprint(b))


def test_an_image_against_itself_scores_100_with_every_part_1():
    result = score(HERO, HERO)
    assert result.score == 100
    assert all(getattr(result, p) == pytest.approx(1.0) for p in PARTS)


@pytest.mark.parametrize(
    "change",
    [
        lambda im: im.crop((30, 20, 450, 340)),  # recrop ~12 %
        lambda im: ImageEnhance.Brightness(im).enhance(1.2),  # relight
        lambda im: Image.open(io.BytesIO(jpeg(im, 40))),  # re-encode, low quality
        lambda im: im.rotate(4, resample=Image.Resampling.BILINEAR),  # small pose change
        lambda im: ImageOps.mirror(im),  # the same shot flipped
        lambda im: im.resize((240, 180)),
    ],
    ids=["recrop", "relight", "jpeg40", "rotate", "mirror", "resize"],
)
def test_same_subject_variations_score_high(change):
    assert score(HERO, change(HERO)).score >= 60


def test_different_subjects_score_low_and_below_every_variation():
    different = score(HERO, OTHER)
    assert different.score < 30
    worst_variation = score(HERO, ImageEnhance.Contrast(HERO.crop((40, 30, 440, 330))).enhance(0.8))
    assert different.score < worst_variation.score


def test_each_part_is_between_0_and_1_and_the_score_between_0_and_100():
    result = score(HERO, OTHER)
    assert 0 <= result.score <= 100
    assert all(0.0 <= getattr(result, p) <= 1.0 for p in PARTS)
    assert set(result.as_json()) == {"score", *PARTS}


def test_files_go_through_the_pipeline_first():
    assert similarity(png(HERO), jpeg(HERO, 90)).score >= 90
    with pytest.raises(InvalidImage):
        similarity(png(HERO), b"not an image at all")


def test_cli_prints_the_score_and_its_parts(tmp_path, capsys):
    a, b = tmp_path / "a.png", tmp_path / "b.jpg"
    a.write_bytes(png(HERO))
    b.write_bytes(jpeg(OTHER, 85))
    assert main(["similarity", str(a), str(b), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["score"] == similarity(a.read_bytes(), b.read_bytes()).score
    assert set(PARTS) <= set(data) and data["score"] < 30
    assert main(["similarity", str(a), str(a)]) == 0
    assert "Similarity 100/100" in capsys.readouterr().out


def test_cli_says_which_file_cannot_be_scored(tmp_path, capsys):
    a = tmp_path / "a.png"
    a.write_bytes(png(HERO))
    assert main(["similarity", str(a), str(tmp_path)]) == 1
    assert f"cannot score {tmp_path}: it is a folder" in capsys.readouterr().err
    assert main(["similarity", str(a), str(tmp_path / "missing.png")]) == 1
    assert "cannot read" in capsys.readouterr().err
