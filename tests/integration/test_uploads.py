"""Uploads on SQLite and PostgreSQL: the awkward-file corpus, selection, reuse, cap, atomicity."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from dataclasses import replace

import pytest
from PIL import Image, ImageOps
from sqlalchemy import func, select

from stage8.db.finders import get_instance
from stage8.db.models import Attempt, DecisionEvent
from stage8.db.models import Image as ImageRow
from stage8.decisions.attempts import list_attempts, trash_attempt
from stage8.decisions.events import instance_events
from stage8.decisions.uploads import upload_images
from stage8.errors import NotFound, Stage8Error, StorageError
from stage8.projects import delete_scene
from stage8.reads.integrity import check
from tests.builders import add_generated, png, project_with_scenes
from tests.upload_corpus import QUADRANTS, STORED_AS, CorpusFile, corpus

CORPUS = corpus()
KEY = re.compile(r"project_\d+/images/[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|webp|png)")
THUMB_KEY = re.compile(r"project_\d+/images/[0-9a-f]{2}/[0-9a-f]{64}\.thumb\.jpg")
FORMATS = {"image/jpeg": "JPEG", "image/webp": "WEBP", "image/png": "PNG"}


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=1)


@pytest.fixture
def hero(world) -> int:
    return world["instances"][(1, "Hero")]


def snapshot(desk, instance_id: int) -> dict:
    """Everything an upload could change: objects, rows, and the instance's decisions."""
    with desk.tx() as s:
        counts = {m.__name__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}
        trashed = s.scalar(select(func.count()).where(Attempt.trashed_at.is_not(None)))
        instance = get_instance(s, instance_id)
        state = (instance.selected_attempt_id, instance.use_master_as_is)
    objects = sorted((o.key, o.size) for o in desk.store.list())
    return {"objects": objects, "rows": counts, "trashed": trashed, "state": state}


TABLES = (ImageRow, Attempt, DecisionEvent)


def opened(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def matches(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int) -> bool:
    if len(expected) == 4 and expected[3] == 0:
        return pixel[3] == 0  # under full transparency the colour does not matter
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


@pytest.mark.parametrize("item", CORPUS, ids=[c.expect.case for c in CORPUS])
def test_corpus_file(desk, hero, item: CorpusFile) -> None:
    before = snapshot(desk, hero)
    expect = item.expect
    shown = expect.display_name or item.filename

    report = upload_images(desk, hero, [(item.filename, item.data)], actor="corpus")

    [result] = report.results
    assert result.filename == shown
    if expect.outcome == "rejected":
        assert result.outcome == "rejected" and result.attempt is None
        assert f"“{shown}” was not uploaded: " in result.message
        assert expect.reason in result.message
        assert snapshot(desk, hero) == before  # nothing in storage, nothing in the database
        return
    assert result.outcome == "stored", result.message
    a = result.attempt
    assert a.source == "uploaded" and a.selected and report.selected_attempt_id == a.id
    assert KEY.fullmatch(a.image_key) and THUMB_KEY.fullmatch(a.thumb_key)
    assert a.original_filename == shown
    assert a.original_byte_size == len(item.data)
    assert a.original_format == expect.original_format
    assert (a.original_width, a.original_height) == expect.original_size
    assert (a.width, a.height) == expect.size and a.mime_type == expect.mime
    assert a.extra["stored_format"] == FORMATS[expect.mime]
    data = desk.store.get(a.image_key)
    assert hashlib.sha256(data).hexdigest() == a.image_sha256 and a.file_size == len(data)
    out = opened(data)
    assert (out.format, out.mode, out.size) == (FORMATS[expect.mime], expect.mode, expect.size)
    assert not out.getexif() and not {"icc_profile", "exif", "xmp"} & set(out.info)
    assert not getattr(out, "text", None)
    for fx, fy, colour in expect.probes:
        pixel = out.getpixel((int(fx * out.width), int(fy * out.height)))
        assert matches(pixel, colour, expect.tolerance), (fx, fy, pixel, colour)
    thumb = opened(desk.store.get(a.thumb_key))
    assert thumb.format == "JPEG" and max(thumb.size) <= desk.settings.thumb_edge
    assert check(desk) == []


@pytest.mark.parametrize("orientation", range(1, 9))
def test_corpus_orientations_agree_with_pillow(orientation: int) -> None:
    # The corpus's own table of stored orientations, checked against Pillow's viewer logic.
    item = next(c for c in CORPUS if c.expect.case == f"exif_orientation_{orientation}")
    upright = ImageOps.exif_transpose(opened(item.data))
    assert upright.size == (120, 80)
    assert (STORED_AS[orientation] is None) == (orientation == 1)
    for fx, fy, colour in QUADRANTS:
        assert matches(upright.getpixel((int(fx * 120), int(fy * 80))), colour, 40)


def selected_numbers(desk, instance_id: int) -> list[int]:
    return [v.attempt_number for v in list_attempts(desk, instance_id) if v.selected]


def test_several_files_select_the_last_by_default(desk, hero) -> None:
    report = upload_images(desk, hero, [(f"{n}.png", png(n)) for n in (1, 2, 3)], actor="ana")

    assert [r.outcome for r in report.results] == ["stored"] * 3
    assert [r.attempt_number for r in report.results] == [1, 2, 3]
    assert selected_numbers(desk, hero) == [3]
    assert report.message == "3 files: 3 stored. Attempt #3 is selected."
    with desk.tx() as s:
        kinds = [e.kind for e in instance_events(s, hero)]
    assert kinds.count("upload") == 3
    assert check(desk) == []


def test_the_reviewer_chooses_which_file_is_selected(desk, hero) -> None:
    upload_images(desk, hero, [("a.png", png(1)), ("b.png", png(2))], actor="ana", select=0)
    assert selected_numbers(desk, hero) == [1]


def test_none_keeps_the_current_selection(desk, hero) -> None:
    upload_images(desk, hero, [("first.png", png(1))], actor="ana")
    report = upload_images(
        desk, hero, [("a.png", png(2)), ("b.png", png(3))], actor="ana", select="none"
    )
    assert selected_numbers(desk, hero) == [1]
    assert not any(r.attempt.selected for r in report.results)


def test_none_on_an_empty_instance_still_selects_one(desk, hero) -> None:
    upload_images(desk, hero, [("a.png", png(1)), ("b.png", png(2))], actor="ana", select="none")
    assert selected_numbers(desk, hero) == [1]  # invariant 1: a live attempt means a selection


def test_rejected_choice_leaves_the_selection(desk, hero) -> None:
    upload_images(desk, hero, [("first.png", png(1))], actor="ana")
    report = upload_images(
        desk, hero, [("bad.png", b"not an image"), ("good.png", png(2))], actor="ana", select=0
    )
    assert [r.outcome for r in report.results] == ["rejected", "stored"]
    assert selected_numbers(desk, hero) == [1]
    assert "“bad.png” was to be selected but was not uploaded" in report.message


def test_last_accepted_file_is_selected_when_the_last_is_rejected(desk, hero) -> None:
    files = [("a.png", png(1)), ("b.png", png(2)), ("c.png", b"")]
    report = upload_images(desk, hero, files, actor="ana")
    assert selected_numbers(desk, hero) == [2]
    assert report.message.startswith("3 files: 2 stored, 1 rejected.")


def test_same_bytes_again_reuse_the_attempt(desk, hero) -> None:
    first = upload_images(desk, hero, [("a.png", png(1)), ("b.png", png(2))], actor="ana")
    before = snapshot(desk, hero)

    again = upload_images(desk, hero, [("renamed.png", png(1))], actor="ana", select="none")

    [result] = again.results
    assert result.outcome == "reused" and result.attempt_id == first.results[0].attempt_id
    assert "same image as attempt #1" in result.message
    assert snapshot(desk, hero) == before  # no new object, row or event


def test_same_bytes_twice_in_one_upload(desk, hero) -> None:
    report = upload_images(desk, hero, [("a.png", png(1)), ("copy.png", png(1))], actor="ana")
    assert [r.outcome for r in report.results] == ["stored", "reused"]
    assert len(list_attempts(desk, hero, include_trashed=True)) == 1


def test_uploading_a_trashed_image_restores_and_selects_it(desk, hero) -> None:
    first = upload_images(desk, hero, [("a.png", png(1)), ("b.png", png(2))], actor="ana")
    trash_attempt(desk, first.results[0].attempt_id, actor="ana")

    report = upload_images(desk, hero, [("a-again.png", png(1))], actor="bo")

    [result] = report.results
    assert result.outcome == "reused" and result.restored
    assert "was in the trash and is restored" in result.message
    assert selected_numbers(desk, hero) == [1]
    with desk.tx() as s:
        assert [e.kind for e in instance_events(s, hero, limit=2)] == ["select", "restore"]
    assert check(desk) == []


def with_cap(desk, cap: int):
    desk.settings = replace(desk.settings, attempt_cap=cap)
    return desk


def test_cap_moves_the_oldest_to_the_trash_with_the_upload(desk, world, hero) -> None:
    with_cap(desk, 3)
    for seed in (1, 2, 3):
        add_generated(desk, hero, world["project"], seed)

    report = upload_images(desk, hero, [("new.png", png(50))], actor="ana")

    assert [e.attempt_number for e in report.evicted] == [1]
    assert "Moved attempt #1 to the trash" in report.message
    assert [v.attempt_number for v in list_attempts(desk, hero)] == [4, 3, 2]


def test_a_restored_attempt_is_not_evicted_by_its_own_upload(desk, world, hero) -> None:
    with_cap(desk, 3)
    ids = [add_generated(desk, hero, world["project"], seed).attempt.id for seed in (1, 2, 3)]
    trash_attempt(desk, ids[0], actor="ana")
    add_generated(desk, hero, world["project"], 4)

    report = upload_images(desk, hero, [("one-again.png", png(1))], actor="ana")

    assert report.results[0].restored and [e.attempt_number for e in report.evicted] == [2]
    assert sorted(v.attempt_number for v in list_attempts(desk, hero)) == [1, 3, 4]
    assert not any(v.pinned for v in list_attempts(desk, hero))


def test_a_failed_upload_trashes_nothing_and_leaves_no_object(desk, world, hero, monkeypatch):
    with_cap(desk, 3)
    for seed in (1, 2, 3):
        add_generated(desk, hero, world["project"], seed)
    before = snapshot(desk, hero)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    # Called inside the transaction after the attempt is added and the cap has evicted one.
    monkeypatch.setattr("stage8.decisions.uploads.attempt_views", broken)
    with pytest.raises(RuntimeError):
        upload_images(desk, hero, [("a.png", png(60)), ("b.png", png(61))], actor="ana")

    assert snapshot(desk, hero) == before


def test_a_storage_failure_removes_what_was_written(desk, hero, monkeypatch) -> None:
    before = snapshot(desk, hero)
    real_put, calls = desk.store.put, []

    def put_then_fail(key, data, content_type):
        calls.append(key)
        if len(calls) > 2:  # the first file's image and thumbnail go through
            raise StorageError("the bucket is full")
        real_put(key, data, content_type)

    monkeypatch.setattr(desk.store, "put", put_then_fail)
    with pytest.raises(StorageError):
        upload_images(desk, hero, [("a.png", png(1)), ("b.png", png(2))], actor="ana")

    assert snapshot(desk, hero) == before


def test_an_upload_that_becomes_selected_turns_as_is_off(desk, hero) -> None:
    from stage8.decisions.use_master import set_use_master_as_is

    set_use_master_as_is(desk, hero, True, actor="ana")
    upload_images(desk, hero, [("alt.png", png(7))], actor="ana", select="none")
    assert snapshot(desk, hero)["state"][1] is True  # not selected: as-is stays on

    upload_images(desk, hero, [("mine.png", png(8))], actor="ana")

    assert snapshot(desk, hero)["state"][1] is False
    assert [v.source for v in list_attempts(desk, hero) if v.selected] == ["uploaded"]
    assert check(desk) == []


def test_more_files_than_the_cap_are_refused_before_anything_is_written(desk, hero) -> None:
    with_cap(desk, 2)
    before = snapshot(desk, hero)
    with pytest.raises(Stage8Error, match="at most 2 files"):
        upload_images(desk, hero, [(f"{n}.png", png(n)) for n in range(3)], actor="ana")
    assert snapshot(desk, hero) == before


def test_a_deleted_scene_takes_no_uploads(desk, world, hero) -> None:
    delete_scene(desk, world["scenes"][1], actor="ana")
    with pytest.raises(NotFound, match="deleted"):
        upload_images(desk, hero, [("a.png", png(1))], actor="ana")


def test_concurrent_uploads_to_one_instance(desk, hero) -> None:
    errors: list[BaseException] = []

    def upload(seed: int) -> None:
        try:
            upload_images(desk, hero, [(f"{seed}.png", png(seed))], actor=f"r{seed}")
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(seed,)) for seed in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(v.attempt_number for v in list_attempts(desk, hero)) == [1, 2, 3, 4]
    assert len(selected_numbers(desk, hero)) == 1 and check(desk) == []


def test_command_line(desk, hero, tmp_path, monkeypatch, capsys) -> None:
    from stage8.cli import main

    monkeypatch.setenv("STAGE8_DATABASE_URL", desk.settings.database_url)
    monkeypatch.setenv("STAGE8_STORAGE_PATH", str(desk.settings.storage_path))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "none.toml"))
    (tmp_path / "ok.png").write_bytes(png(1))
    (tmp_path / "bad.png").write_text("hello")
    (tmp_path / "also-bad.png").write_bytes(b"")
    files = [str(tmp_path / n) for n in ("ok.png", "bad.png", "also-bad.png")]

    code = main(["upload", "--scene", "1", "--asset", "Hero", *files])

    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines() == [
        "error: “bad.png” was not uploaded: it is a text file, not an image; "
        "the desk accepts PNG, JPEG and WebP.",
        "error: “also-bad.png” was not uploaded: the file is empty.",
    ]
    assert "“ok.png” stored as attempt #1" in out
    assert main(["upload", "--scene", "1", "--asset", "Hero", "--json", files[0]]) == 0
    assert '"outcome": "reused"' in capsys.readouterr().out
