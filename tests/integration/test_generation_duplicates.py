"""Generation results flagged "same as #n" on arrival, like uploads (both databases): against
the live attempts of the instance, earlier results of the same batch included; the job's
result message, the worker's log line and `generate --wait` say so."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from stage8.cli import main
from stage8.decisions.attempts import list_attempts, select_attempt, trash_attempt
from stage8.decisions.duplicates import project_duplicates
from stage8.decisions.references import effective_reference
from stage8.decisions.uploads import upload_images
from stage8.generation.run import job_status, queue_generation
from stage8.generation.worker import Worker, describe
from stage8.providers import GeminiProvider
from tests.builders import png, project_with_scenes
from tests.fakes.gemini_api import FakeGeminiAPI, render_png

MODEL = "gemini-2.5-flash-image"
PROMPT = "the hero on a cliff at dawn"


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=1, assets=("Hero",))


@pytest.fixture
def gemini(desk) -> Iterator[FakeGeminiAPI]:
    """The real Gemini provider against the loopback fake: same prompt and reference, same
    picture (the fake draws from them alone)."""
    with (
        FakeGeminiAPI() as fake,
        GeminiProvider(fake.api_key, MODEL, fake.base_url, timeout=5) as provider,
    ):
        desk.use_provider(provider)
        yield fake


def _run_all(desk) -> None:
    worker = Worker(desk, worker_id="w-dup")
    while worker.run_once():
        pass


def _by_number(desk, iid) -> dict:
    return {a.attempt_number: a for a in list_attempts(desk, iid)}


def test_a_batch_whose_results_look_alike_flags_the_later_ones(desk, world, gemini):
    iid = world["instances"][(1, "Hero")]
    job_ids = queue_generation(desk, iid, actor="ana", prompt=PROMPT, count=3)
    _run_all(desk)
    attempts = _by_number(desk, iid)
    assert sorted(attempts) == [1, 2, 3]
    assert "near_duplicate_of" not in attempts[1].extra  # the first of the batch is the original
    assert attempts[2].extra["near_duplicate_of"] == 1
    assert attempts[3].extra["near_duplicate_of"] == 1  # the oldest look-alike
    first, second, third = job_status(desk, job_ids)
    assert first.result_message == "Attempt #1 added."
    assert second.result_message == "Attempt #2 added. It looks the same as attempt #1."
    assert (third.attempt_number, third.same_as) == (3, 1)
    assert describe(second).endswith("; it looks the same as attempt #1")
    flagged = {(d.attempt_number, d.same_as) for d in project_duplicates(desk, world["project"])}
    assert flagged == {(2, 1), (3, 1)}


def test_a_generation_that_looks_like_an_uploaded_attempt_is_flagged(desk, world, gemini):
    iid = world["instances"][(1, "Hero")]
    with desk.read() as session:
        reference = desk.store.get(effective_reference(session, iid).effective_key)
    # What the provider will return, re-encoded smaller as a JPEG: near, not the same bytes.
    expected = Image.open(io.BytesIO(render_png(PROMPT, [reference])))
    out = io.BytesIO()
    expected.resize((200, 200)).save(out, format="JPEG", quality=70)
    upload_images(desk, iid, [("mine.jpg", out.getvalue())], actor="ana")
    [job_id] = queue_generation(desk, iid, actor="ana", prompt=PROMPT)
    _run_all(desk)
    attempts = _by_number(desk, iid)
    assert attempts[1].source == "uploaded" and attempts[2].source == "generated"
    assert attempts[1].image_id != attempts[2].image_id
    assert attempts[2].extra["near_duplicate_of"] == 1
    [view] = job_status(desk, [job_id])
    assert view.result_message == "Attempt #2 added. It looks the same as attempt #1."


def test_a_different_take_is_not_flagged_and_a_trashed_look_alike_does_not_count(
    desk, world, gemini
):
    iid = world["instances"][(1, "Hero")]
    upload_images(desk, iid, [("bands.png", png(7, (256, 256)))], actor="ana")
    queue_generation(desk, iid, actor="ana", prompt=PROMPT)
    _run_all(desk)
    attempts = _by_number(desk, iid)
    assert "near_duplicate_of" not in attempts[2].extra  # a circle is not diagonal bands
    [job] = job_status(desk, [attempts[2].generation_job_id])
    assert (job.same_as, job.result_message) == (None, "Attempt #2 added.")
    select_attempt(desk, attempts[1].id, actor="ana")
    trash_attempt(desk, attempts[2].id, actor="ana")
    queue_generation(desk, iid, actor="ana", prompt=PROMPT)  # the same picture as the trashed #2
    _run_all(desk)
    assert "near_duplicate_of" not in _by_number(desk, iid)[3].extra


def test_generate_wait_says_which_attempt_a_result_looks_like(
    desk, world, gemini, monkeypatch, tmp_path, capsys
):
    # The CLI opens its own desk: the fake provider is reached through the settings.
    monkeypatch.setenv("STAGE8_DATABASE_URL", desk.settings.database_url)
    monkeypatch.setenv("STAGE8_STORAGE_PATH", str(desk.settings.storage_path))
    monkeypatch.setenv("STAGE8_HOME", str(tmp_path))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("STAGE8_IMAGE_PROVIDER", "gemini")
    monkeypatch.setenv("GEMINI_API_KEY", gemini.api_key)
    monkeypatch.setenv("STAGE8_GEMINI_BASE_URL", gemini.base_url)
    args = ["generate", "--scene", "1", "--asset", "Hero", "--prompt", PROMPT, "--count", "2"]
    assert main([*args, "--wait"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "looks the same" not in lines[0]
    assert lines[1].endswith("It looks the same as attempt #1.")
