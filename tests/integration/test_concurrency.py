"""Eight reviewers and generators on the same three instances, a fixed number of steps each
(PostgreSQL). Work is counted in steps, not seconds, so a loaded machine only makes it slower."""

from __future__ import annotations

import random
import threading
import traceback

import pytest
from sqlalchemy import func, select

from stage8.db.models import Attempt, GenerationJob
from stage8.decisions.attempts import list_attempts, restore_attempt, select_attempt
from stage8.decisions.attempts import trash_attempt as trash
from stage8.decisions.use_master import set_use_master_as_is
from stage8.desk import Desk
from stage8.errors import DecisionConflict, NotFound
from stage8.generation.run import queue_generation, run_job
from stage8.reads.integrity import check
from tests.builders import add_generated, project_with_scenes

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

THREADS = 8
STEPS = 30  # per thread: about 9 generations, 7 selects and 7 trashes each (seeded)


def _reviewer(desk: Desk, instances: list[int], n: int, log: dict) -> None:
    rng = random.Random(n)
    worker_id = f"thread-{n}"
    for _ in range(STEPS):
        iid = rng.choice(instances)
        roll = rng.random()
        try:
            if roll < 0.3:
                [job_id] = queue_generation(desk, iid, actor=worker_id)
                view = run_job(desk, job_id, worker_id)
                if view.status != "succeeded":
                    log["errors"].append(f"job {job_id} ended {view.status}: {view.last_error}")
                log["generated"] += 1
                continue
            attempts = list_attempts(desk, iid, include_trashed=True)
            if not attempts:
                continue
            attempt = rng.choice(attempts)
            if roll < 0.55:
                select_attempt(desk, attempt.id, actor=worker_id)
                log["selected"] += 1
            elif roll < 0.8:
                trash(desk, attempt.id, actor=worker_id)
                log["trashed"] += 1
            elif roll < 0.9:
                restore_attempt(desk, attempt.id, actor=worker_id)
            else:
                set_use_master_as_is(desk, iid, rng.random() < 0.5, actor=worker_id)
        except (DecisionConflict, NotFound):
            log["conflicts"] += 1
        except Exception:
            log["errors"].append(traceback.format_exc())


def test_eight_threads_selecting_generating_and_trashing_keep_every_invariant(pg_desk):
    desk = pg_desk
    world = project_with_scenes(desk, scenes=1, assets=("Hero", "Villain", "Mentor"))
    instances = list(world["instances"].values())
    for seed, iid in enumerate(instances):
        add_generated(desk, iid, world["project"], seed)
    log: dict = {"errors": [], "generated": 0, "selected": 0, "trashed": 0, "conflicts": 0}
    threads = [
        threading.Thread(target=_reviewer, args=(desk, instances, n, log)) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(240)
    assert not any(t.is_alive() for t in threads)
    assert log["errors"] == []
    assert log["generated"] >= 10 and log["selected"] >= 10 and log["trashed"] >= 10, log
    assert check(desk) == []
    with desk.tx() as session:
        duplicates = session.execute(
            select(Attempt.instance_id, Attempt.attempt_number)
            .group_by(Attempt.instance_id, Attempt.attempt_number)
            .having(func.count() > 1)
        ).all()
        unfinished = session.scalar(
            select(func.count())
            .select_from(GenerationJob)
            .where(GenerationJob.status.in_(("queued", "running")))
        )
    assert duplicates == [] and unfinished == 0
