"""Workers: a killed worker's job is finished by another; concurrent workers run each job once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from stage8.decisions.attempts import list_attempts
from stage8.generation.jobs import claim_next, job_status, job_view
from stage8.generation.run import queue_generation
from stage8.generation.worker import Worker, start_background_worker, stop_background_worker
from stage8.providers import GeminiProvider, OfflineProvider
from stage8.reads.integrity import check
from tests.builders import project_with_scenes
from tests.fakes.gemini_api import FakeGeminiAPI

REPO = Path(__file__).resolve().parents[2]
MODEL = "gemini-2.5-flash-image"


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class CountingProvider:
    """The offline provider, counting how often each (prompt, seed) is generated."""

    name, model = "offline", "offline-preview-1"

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()
        self._inner = OfflineProvider()

    def estimate_cost(self) -> Decimal:
        return Decimal("0")

    def generate(self, request):
        with self._lock:
            self.calls[(request.prompt, request.seed)] += 1
        return self._inner.generate(request)


@pytest.mark.slow
def test_a_worker_killed_mid_job_has_its_job_finished_by_another(desk, tmp_path):
    world = project_with_scenes(desk, scenes=1)
    with (
        FakeGeminiAPI() as fake,
        GeminiProvider(fake.api_key, MODEL, fake.base_url, timeout=5) as gemini,
    ):
        desk.use_provider(gemini)
        [job_id] = queue_generation(desk, world["instances"][(1, "Hero")], actor="ana")
        fake.delay_next(60)  # the first worker's provider call hangs
        env = {
            **os.environ,
            "STAGE8_DATABASE_URL": desk.settings.database_url,
            "STAGE8_STORAGE_PATH": str(desk.settings.storage_path),
            "STAGE8_HOME": str(tmp_path),
            "STAGE8_SECRETS_FILE": str(tmp_path / "no-secrets.toml"),
            "STAGE8_IMAGE_PROVIDER": "gemini",
            "GEMINI_API_KEY": fake.api_key,
            "STAGE8_GEMINI_BASE_URL": fake.base_url,
            "STAGE8_JOB_LEASE_SECONDS": "1",
        }
        with (tmp_path / "worker.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "stage8", "worker", "--poll", "0.1"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_for(lambda: len(fake.requests) == 1, 30, "the worker to call Gemini")
                view = job_view(desk, job_id)
                assert view.status == "running" and f":{proc.pid}:" in view.lease_owner
                time.sleep(1.5)  # past the 1 s lease: the heartbeat keeps the job its own
                assert claim_next(desk, "thief", 1) is None
                proc.kill()
                proc.wait(10)
            finally:
                if proc.poll() is None:
                    proc.kill()
        second = Worker(desk, worker_id="second", poll_interval=0.05, lease_seconds=1)
        _wait_for(second.run_once, 10, "the lease of the killed worker to expire")
    view = job_view(desk, job_id)
    assert (view.status, view.tries, view.last_error) == ("succeeded", 2, None)
    assert len(fake.requests) == 2
    [attempt] = list_attempts(desk, view.instance_id)
    assert attempt.generation_job_id == job_id and attempt.selected
    assert check(desk) == []


@pytest.mark.postgres
def test_skip_locked_passes_over_a_job_another_worker_is_claiming(pg_desk):
    world = project_with_scenes(pg_desk, scenes=1)
    first, second = queue_generation(pg_desk, world["instances"][(1, "Hero")], actor="a", count=2)
    with pg_desk.engine.connect() as other_worker:
        other_worker.execute(
            text("SELECT id FROM generation_jobs WHERE id = :id FOR UPDATE"), {"id": first}
        )
        started = time.monotonic()
        assert claim_next(pg_desk, "w2", 30) == second
        assert claim_next(pg_desk, "w3", 30) is None
        assert time.monotonic() - started < 5  # skipped, not waited for
        other_worker.rollback()
    assert claim_next(pg_desk, "w4", 30) == first
    assert [v.lease_owner for v in job_status(pg_desk, [first, second])] == ["w4", "w2"]


def test_three_concurrent_workers_run_every_job_exactly_once(desk):
    world = project_with_scenes(desk, scenes=1, assets=("Hero", "Villain", "Mentor"))
    provider = CountingProvider()
    desk.use_provider(provider)
    job_ids = [
        job_id
        for iid in world["instances"].values()
        for job_id in queue_generation(desk, iid, actor="a", count=6)
    ]
    stop = threading.Event()
    workers = [Worker(desk, worker_id=f"w{n}", poll_interval=0.02) for n in range(3)]
    threads = [threading.Thread(target=w.run_forever, args=(stop,)) for w in workers]
    for thread in threads:
        thread.start()
    try:
        _wait_for(lambda: all(v.final for v in job_status(desk, job_ids)), 60, "all jobs")
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    views = job_status(desk, job_ids)
    assert {(v.status, v.tries) for v in views} == {("succeeded", 1)}
    assert len({v.attempt_id for v in views}) == len(job_ids) == 18
    assert sum(provider.calls.values()) == 18 and set(provider.calls.values()) == {1}
    for iid in world["instances"].values():
        attempts = list_attempts(desk, iid)
        assert sorted(a.attempt_number for a in attempts) == list(range(1, 7))
    assert check(desk) == []


def test_background_worker_is_one_daemon_thread_per_process(desk):
    world = project_with_scenes(desk, scenes=1)
    [job_id] = queue_generation(desk, world["instances"][(1, "Hero")], actor="a")
    thread = start_background_worker(desk)
    try:
        assert thread.daemon and start_background_worker(desk) is thread
        _wait_for(lambda: job_view(desk, job_id).final, 30, "the background worker")
    finally:
        stop_background_worker()
    assert not thread.is_alive()
    assert job_view(desk, job_id).status == "succeeded"
