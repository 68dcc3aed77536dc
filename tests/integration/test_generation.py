"""Generation jobs on SQLite and PostgreSQL: queueing, running, retries, failures, selection."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from stage8.cli import main
from stage8.db.models import GenerationJob
from stage8.decisions.attempts import list_attempts, select_attempt
from stage8.decisions.events import instance_events
from stage8.decisions.references import effective_reference
from stage8.decisions.use_master import set_use_master_as_is
from stage8.desk import Desk
from stage8.errors import ConfigError, DecisionConflict, ProviderError
from stage8.generation.jobs import claim_job
from stage8.generation.run import (
    estimate_cost,
    job_status,
    jobs,
    queue_bulk,
    queue_generation,
    run_job,
)
from stage8.projects import delete_scene
from stage8.providers import GeminiProvider, OfflineProvider
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes
from tests.fakes.gemini_api import INPUT_IMAGE_TOKENS, OUTPUT_IMAGE_TOKENS, FakeGeminiAPI

MODEL = "gemini-2.5-flash-image"


@pytest.fixture
def world(desk):
    return project_with_scenes(desk, scenes=2, assets=("Hero", "Villain"))


@pytest.fixture
def fake() -> Iterator[FakeGeminiAPI]:
    with FakeGeminiAPI() as server:
        yield server


@pytest.fixture
def gemini(desk, fake) -> Iterator[GeminiProvider]:
    with GeminiProvider(fake.api_key, MODEL, fake.base_url, timeout=5) as provider:
        desk.use_provider(provider)
        yield provider


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(jobs, "RETRY_BASE_SECONDS", 0.0)


def _attempt_of(desk, view):
    [attempt] = [a for a in list_attempts(desk, view.instance_id) if a.id == view.attempt_id]
    return attempt


class _Hook:
    """An offline provider that runs `during` inside generate (e.g. a reviewer's click)."""

    name, model = "offline", "offline-preview-1"

    def __init__(self, during) -> None:
        self.during = during
        self.calls = 0

    def estimate_cost(self) -> Decimal:
        return Decimal("0")

    def generate(self, request):
        self.calls += 1
        self.during()
        return OfflineProvider().generate(request)


def test_generated_attempt_records_prompt_provider_cost_reference_job_duration(desk, world):
    iid = world["instances"][(1, "Hero")]
    [job_id] = queue_generation(desk, iid, actor="ana")
    view = run_job(desk, job_id, "w1")
    assert (view.status, view.tries, view.last_error) == ("succeeded", 1, None)
    attempt = _attempt_of(desk, view)
    with desk.tx() as s:
        ref = effective_reference(s, iid)
        [event] = [e for e in instance_events(s, iid) if e.kind == "generate"]
    assert attempt.source == "generated" and attempt.selected
    assert attempt.prompt == (
        'Character "Hero": Hero in 1. Keep the identity, proportions and style of the '
        "reference image."
    )
    assert (attempt.provider, attempt.model) == ("offline", "offline-preview-1")
    assert attempt.cost_usd == Decimal("0")
    assert attempt.reference_image_id == ref.effective_image_id is not None
    assert attempt.generation_job_id == job_id
    assert isinstance(attempt.duration_ms, int) and attempt.duration_ms >= 0
    assert attempt.extra["offline_preview"] is True and "new_unreviewed" not in attempt.extra
    assert attempt.created_by == "ana" and event.actor == "ana"
    assert (view.provider, view.model, view.estimated_cost_usd) == (
        "offline",
        "offline-preview-1",
        Decimal("0"),
    )
    assert check(desk) == []


def test_gemini_gets_the_effective_reference_and_the_cost_is_exact(desk, world, fake, gemini):
    first = add_generated(desk, world["instances"][(1, "Hero")], world["project"], 5)
    iid = world["instances"][(2, "Hero")]
    prompt = "the hero on a cliff at dawn"  # seven words: seven prompt tokens at the fake
    [job_id] = queue_generation(desk, iid, actor="ana", prompt=prompt)
    view = run_job(desk, job_id, "w1")
    assert view.status == "succeeded", view.last_error
    with desk.tx() as s:
        ref = effective_reference(s, iid)
    assert ref.effective_image_id == first.attempt.image_id  # scene 1's selected image
    [sent] = fake.requests
    assert sent.parts[0] == {"text": prompt}
    inline = sent.parts[1]["inline_data"]
    assert base64.b64decode(inline["data"]) == desk.store.get(ref.effective_key)
    assert inline["mime_type"] == first.attempt.mime_type
    attempt = _attempt_of(desk, view)
    per_million = (7 + INPUT_IMAGE_TOKENS) * Decimal("0.30") + OUTPUT_IMAGE_TOKENS * Decimal(30)
    assert attempt.cost_usd == per_million / 1_000_000 == Decimal("0.0387795")
    assert (attempt.provider, attempt.model) == ("gemini", MODEL)
    assert attempt.reference_image_id == ref.effective_image_id
    assert attempt.extra["offline_preview"] is False
    assert view.estimated_cost_usd == Decimal("0.039") == estimate_cost(desk, 1)
    assert estimate_cost(desk, 3) == Decimal("0.117")


def test_a_human_choice_made_after_queueing_is_never_overwritten(desk, world):
    iid = world["instances"][(1, "Hero")]
    a = add_generated(desk, iid, world["project"], 1).attempt
    b = add_generated(desk, iid, world["project"], 2, select=False).attempt
    [late] = queue_generation(desk, iid, actor="bot")
    select_attempt(desk, b.id, actor="ana")  # the reviewer picks b while the job waits
    [after] = queue_generation(desk, iid, actor="bot")
    late_attempt = _attempt_of(desk, run_job(desk, late, "w1"))
    assert not late_attempt.selected and late_attempt.extra["new_unreviewed"] is True
    assert [v.id for v in list_attempts(desk, iid) if v.selected] == [b.id]
    # A job queued after the choice may take the selection: it saw the reviewer's state.
    after_attempt = _attempt_of(desk, run_job(desk, after, "w1"))
    assert after_attempt.selected and "new_unreviewed" not in after_attempt.extra
    assert a.id != b.id
    assert check(desk) == []


def test_turning_as_is_on_and_off_counts_as_a_human_choice(desk, world):
    iid = world["instances"][(1, "Villain")]
    [job_id] = queue_generation(desk, iid, actor="bot")
    set_use_master_as_is(desk, iid, True, actor="ana")
    set_use_master_as_is(desk, iid, False, actor="ana")  # a human change of the selection
    attempt = _attempt_of(desk, run_job(desk, job_id, "w1"))
    assert not attempt.selected  # the master copy the reviewer chose stays selected
    assert attempt.extra["new_unreviewed"] is True
    assert check(desk) == []


def test_transient_failure_is_retried_then_succeeds(desk, world, fake, gemini):
    fake.fail_next(503)
    [job_id] = queue_generation(desk, world["instances"][(1, "Hero")], actor="ana")
    view = run_job(desk, job_id, "w1")
    assert (view.status, view.tries) == ("queued", 1)
    assert "unavailable" in view.last_error and view.lease_owner is None
    view = run_job(desk, job_id, "w1")
    assert (view.status, view.tries, view.last_error) == ("succeeded", 2, None)
    assert _attempt_of(desk, view).generation_job_id == job_id


def test_transient_failures_stop_at_max_tries(desk, world, fake, gemini, monkeypatch):
    monkeypatch.setattr(jobs, "RETRY_BASE_SECONDS", 60.0)
    fake.fail_next(429, count=3)
    [job_id] = queue_generation(desk, world["instances"][(1, "Hero")], actor="ana")
    view = run_job(desk, job_id, "w1")
    assert view.status == "queued" and (view.available_at - view.started_at).total_seconds() > 59
    assert run_job(desk, job_id, "w1").status == "queued"  # not due yet: nothing happens
    assert len(fake.requests) == 1
    for expected in ("queued", "failed"):
        with desk.tx() as s:
            s.get(GenerationJob, job_id).available_at = view.queued_at
        view = run_job(desk, job_id, "w1")
        assert view.status == expected
    assert view.tries == 3 and "gave up after 3 tries" in view.last_error
    assert "rate limit" in view.last_error and view.attempt_id is None


def test_permanent_failure_is_recorded_with_its_message(desk, world, fake, gemini):
    iid = world["instances"][(1, "Hero")]
    fake.fail_next(400, message="The prompt mentions a forbidden thing")
    [job_id] = queue_generation(desk, iid, actor="ana")
    view = run_job(desk, job_id, "w1")
    assert (view.status, view.tries) == ("failed", 1)
    assert "Gemini rejected the request" in view.last_error
    assert "forbidden thing" in view.last_error
    assert list_attempts(desk, iid) == []


def test_missing_key_is_a_clear_error(desk, world):
    iid = world["instances"][(1, "Hero")]
    keyless = replace(desk.settings, image_provider="gemini", gemini_api_key=None)
    worker_desk = Desk(settings=keyless, engine=desk.engine, sessions=desk.sessions)
    worker_desk.use_store(desk.store)
    with pytest.raises(ConfigError, match="GEMINI_API_KEY is not set"):
        queue_generation(worker_desk, iid, actor="ana")
    # Queued where a provider works, run by a worker whose key is missing:
    [job_id] = queue_generation(desk, iid, actor="ana")
    view = run_job(worker_desk, job_id, "w1")
    assert view.status == "failed" and "GEMINI_API_KEY is not set" in view.last_error


def test_as_is_instance_refuses_to_generate(desk, world):
    iid = world["instances"][(1, "Hero")]
    set_use_master_as_is(desk, iid, True, actor="ana")
    with pytest.raises(DecisionConflict) as caught:
        queue_generation(desk, iid, actor="ana")
    assert str(caught.value) == "Use master as-is is on for Hero in scene 1: untick it to generate."


def test_bulk_queues_and_skips_with_reasons(desk, world):
    inst = world["instances"]
    set_use_master_as_is(desk, inst[(1, "Hero")], True, actor="ana")
    queue_generation(desk, inst[(2, "Hero")], actor="ana")
    ids = [inst[(1, "Hero")], inst[(1, "Villain")], inst[(2, "Hero")], 999_999]
    results = {r.instance_id: r for r in queue_bulk(desk, [*ids, inst[(1, "Villain")]], actor="a")}
    assert list(results) == ids
    assert results[inst[(1, "Hero")]].outcome == "skipped"
    assert "Use master as-is is on for Hero in scene 1" in results[inst[(1, "Hero")]].reason
    assert results[inst[(1, "Villain")]].outcome == "queued"
    assert len(results[inst[(1, "Villain")]].job_ids) == 1
    assert "already waiting" in results[inst[(2, "Hero")]].reason
    assert results[999_999].outcome == "skipped" and "does not exist" in results[999_999].reason


def test_scene_deleted_while_generating_fails_the_job_and_keeps_no_image(desk, world):
    iid = world["instances"][(1, "Hero")]
    objects_before = {o.key for o in desk.store.list()}
    provider = _Hook(lambda: delete_scene(desk, world["scenes"][1], actor="ana"))
    desk.use_provider(provider)
    [job_id] = queue_generation(desk, iid, actor="ana")
    view = run_job(desk, job_id, "w1")
    assert view.status == "failed" and provider.calls == 1
    assert view.last_error == (
        "Scene 1 was deleted while the image was being generated; the image was discarded."
    )
    assert {o.key for o in desk.store.list()} == objects_before
    assert list_attempts(desk, iid, include_trashed=True) == []
    # Deleted before the job ran: the provider is not even called.
    [second] = queue_generation(desk, world["instances"][(2, "Hero")], actor="ana")
    delete_scene(desk, world["scenes"][2], actor="ana")
    view = run_job(desk, second, "w1")
    assert view.status == "failed" and "deleted before" in view.last_error
    assert provider.calls == 1
    assert check(desk) == []


def test_a_worker_that_lost_its_lease_cannot_finish_the_job(desk, world):
    iid = world["instances"][(1, "Hero")]
    [job_id] = queue_generation(desk, iid, actor="ana")

    def taken_over() -> None:  # the lease ran out and another worker claimed the job
        with desk.tx() as s:
            s.get(GenerationJob, job_id).lease_expires_at = s.get(GenerationJob, job_id).queued_at
        assert claim_job(desk, job_id, "w2", 60)

    desk.use_provider(_Hook(taken_over))
    view = run_job(desk, job_id, "w1")
    assert (view.status, view.lease_owner, view.tries) == ("running", "w2", 2)
    assert list_attempts(desk, iid) == []
    desk.use_provider(OfflineProvider())
    view = run_job(desk, job_id, "w2")
    assert view.status == "succeeded"
    assert len(list_attempts(desk, iid)) == 1
    assert check(desk) == []


def test_non_transient_provider_error_from_offline_reference(desk, world):
    class Broken(_Hook):
        def generate(self, request):
            raise ProviderError("The reference image could not be read.")

    desk.use_provider(Broken(lambda: None))
    ids = queue_generation(desk, world["instances"][(1, "Hero")], actor="ana", count=2)
    views = [run_job(desk, j, "w1") for j in ids]
    assert [(v.status, v.tries) for v in views] == [("failed", 1), ("failed", 1)]
    assert views[0].last_error == "The reference image could not be read."
    assert [v.id for v in job_status(desk, [*reversed(ids), 123_456])] == ids[::-1]


def test_count_seed_and_prompt_are_checked(desk, world):
    iid = world["instances"][(1, "Hero")]
    ids = queue_generation(desk, iid, actor="ana", count=3, seed=40, prompt=" red cape ")
    views = job_status(desk, ids)
    assert [v.seed for v in views] == [40, 41, 42] and {v.prompt for v in views} == {"red cape"}
    for bad in ({"count": 0}, {"count": 99}, {"prompt": "  "}):
        with pytest.raises(Exception, match=r"Generate between|prompt is empty"):
            queue_generation(desk, iid, actor="ana", **bad)


@pytest.fixture
def cli_env(desk, monkeypatch, tmp_path):
    monkeypatch.setenv("STAGE8_DATABASE_URL", desk.settings.database_url)
    monkeypatch.setenv("STAGE8_STORAGE_PATH", str(desk.settings.storage_path))
    monkeypatch.setenv("STAGE8_HOME", str(tmp_path))
    monkeypatch.setenv("STAGE8_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.delenv("STAGE8_IMAGE_PROVIDER", raising=False)


def test_cli_generate_wait_and_worker(desk, world, cli_env, capsys):
    args = ["generate", "--scene", "1", "--asset", "Hero", "--count", "2", "--wait", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["job"]["status"] for r in out] == ["succeeded", "succeeded"]
    assert [r["attempt"]["source"] for r in out] == ["generated", "generated"]
    assert out[1]["attempt"]["selected"] and out[1]["attempt"]["provider"] == "offline"
    assert main(["generate", "--scene", "2", "--asset", "Villain"]) == 0
    assert "Queued 1 generation(s) for Villain in scene 2" in capsys.readouterr().out
    assert main(["worker", "--once"]) == 0
    assert len(list_attempts(desk, world["instances"][(2, "Villain")])) == 1
    set_use_master_as_is(desk, world["instances"][(2, "Hero")], True, actor="ana")
    assert main(["generate", "--scene", "2", "--asset", "Hero"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "error: Use master as-is is on for Hero in scene 2: untick it to generate."


def test_a_job_whose_worker_dies_on_its_last_try_fails(desk, world):
    [job_id] = queue_generation(desk, world["instances"][(1, "Hero")], actor="ana")
    for n in range(3):  # three workers claim it in turn and die (their leases run out)
        assert jobs.claim_next(desk, f"dead-{n}", 60) == job_id
        assert jobs.heartbeat(desk, job_id, f"dead-{n}", 60)
        with desk.tx() as s:
            s.get(GenerationJob, job_id).lease_expires_at = s.get(GenerationJob, job_id).queued_at
    assert jobs.claim_next(desk, "w", 60) is None
    view = job_status(desk, [job_id])[0]
    assert (view.status, view.tries) == ("failed", 3)
    assert "stopped responding on its last try" in view.last_error
    assert not jobs.heartbeat(desk, job_id, "dead-2", 60)
